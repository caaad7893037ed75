using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Forwarding;

/// <summary>Only paths under the allowed prefixes are forwarded; every way of escaping them is a 404 the upstream never sees.</summary>
[Collection(ProxyCollectionDefinition.Name)]
public sealed class RequestTargetTests(ProxyFixture fixture)
{
    [Theory]
    [InlineData("/v1/../admin")]
    [InlineData("/v1/../v1/echo")]
    [InlineData("/v1/./echo")]
    [InlineData("/v1/%2e%2e/admin")]
    [InlineData("/v1/%2E%2E/v1/echo")]
    [InlineData("/v1/..%2fadmin")]
    [InlineData("/v1/chat%2Fcompletions")]
    [InlineData("/v1/chat%5ccompletions")]
    [InlineData("/v1//echo")]
    [InlineData("/admin/host/status")]
    [InlineData("/v3/echo")]
    [InlineData("/V1/echo")]
    [InlineData("/v1")]
    public async Task PathEscapingOrOutsideThePrefixes_Gives404AndNoUpstreamCall(string target)
    {
        var before = fixture.Upstream.Requests.Count;

        var response = await RawHttp.SendAsync(fixture.Proxy.Port,
            $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ProxyFixture.ClientKey}\r\nConnection: close\r\n");

        ErrorBodyAssert.Matches(response, 404, target, "Not Found: ");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Theory]
    [InlineData("GET http://upstream.example/v1/echo HTTP/1.1", "upstream.example", "/v1/echo")]
    [InlineData("GET http://169.254.169.254/v1/echo HTTP/1.1", "169.254.169.254", "/v1/echo")]
    [InlineData("CONNECT upstream.example:443 HTTP/1.1", "upstream.example:443", "/")]
    [InlineData("OPTIONS * HTTP/1.1", "127.0.0.1", "/")]
    public async Task NonOriginFormTarget_Gives404AndNoUpstreamCall(string requestLine, string host, string path)
    {
        var before = fixture.Upstream.Requests.Count;

        // An absolute-form target naming another host must never make the proxy call that host.
        var response = await RawHttp.SendAsync(fixture.Proxy.Port,
            $"{requestLine}\r\nHost: {host}\r\nAuthorization: Bearer {ProxyFixture.ClientKey}\r\nConnection: close\r\n");

        ErrorBodyAssert.Matches(response, 404, path, "Not Found: ");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Fact]
    public async Task PathUnderAllowedPrefix_IsForwardedWithItsQuery()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);

        using var response = await client.GetAsync("/v1/echo?a=1&b=two%20words");

        response.EnsureSuccessStatusCode();
        Assert.Equal("/v1/echo?a=1&b=two%20words", fixture.Upstream.Requests.Last().Target);
    }
}
