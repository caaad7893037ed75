using Proxy.Hosting;

namespace Proxy.Tests.Hosting;

/// <summary>An endpoint from the settings is printed as scheme, host, port and path: never its user-info or its query.</summary>
public sealed class SafeEndpointTests
{
    [Theory]
    [InlineData("http://upuser:URLSECRET@127.0.0.1:8080/", "http://127.0.0.1:8080")]
    [InlineData("https://upuser:URLSECRET@api.example.com/openai?sig=SASSECRET#frag", "https://api.example.com/openai")]
    [InlineData("https://account.table.core.windows.net/?sv=2024-08-04&sig=SASSECRET", "https://account.table.core.windows.net")]
    [InlineData("http://URLSECRET@[::1]:10002/devstoreaccount1?sig=SASSECRET", "http://[::1]:10002/devstoreaccount1")]
    [InlineData("not a URL with URLSECRET", SafeEndpoint.NotAnAbsoluteUrl)]
    public void Describe_KeepsSchemeHostPortAndPath_DropsUserInfoAndQuery(string url, string expected)
    {
        var described = SafeEndpoint.Describe(url);

        Assert.Equal(expected, described);
        Assert.DoesNotContain("SECRET", described, StringComparison.Ordinal);
    }

    [Fact]
    public void DescribeServer_KeepsSchemeHostAndPortOnly() =>
        Assert.Equal("https://in.example.com:8443", SafeEndpoint.DescribeServer(new Uri("https://user:URLSECRET@in.example.com:8443/v2/track?key=SASSECRET")));
}
