using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.AccessLog;

/// <summary><c>Proxy__AccessLog__Enabled=false</c> turns the access line off and leaves the failure line alone (on the standalone host, whose console shows every line).</summary>
[Collection(OnStandaloneHost.Name)]
public sealed class AccessLogSettingTests(StandaloneHostFixture fixture)
{
    [Fact]
    public async Task AccessLogDisabled_WritesNoAccessLine_ButStillTheFailureLine()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Proxy__AccessLog__Enabled", "false"));
        using var client = ProxyFixture.ClientFor(proxy);

        using var success = await client.GetAsync("/v1/echo");
        using var failure = await client.GetAsync("/v1/errors/openai/500");

        Assert.Equal(200, (int)success.StatusCode);
        await LogLines.WaitForAsync(proxy, "Failure upstream_error (500)", Assert.Single(failure.Headers.GetValues("x-request-id")));
        Assert.DoesNotContain(proxy.Output, line => line.Contains("[1200]", StringComparison.Ordinal) || line.Contains(" answered ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AccessLogByDefault_WritesOneLinePerRequest()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress);
        using var client = ProxyFixture.ClientFor(proxy);

        using var success = await client.GetAsync("/v1/echo");
        using var failure = await client.GetAsync("/v1/errors/openai/500");

        foreach (var response in new[] { success, failure })
        {
            await LogLines.WaitForAsync(proxy, "[1200]", Assert.Single(response.Headers.GetValues("x-request-id")));
        }

        Assert.Equal(2, proxy.Output.Count(line => line.Contains("[1200]", StringComparison.Ordinal)));
    }
}
