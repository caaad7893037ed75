using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.AccessLog;

/// <summary><c>Proxy__AccessLog__Enabled=false</c> turns the access line off and leaves the failure line alone (on the standalone host, whose console shows every line).</summary>
public sealed class AccessLogSettingTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    [Fact]
    public async Task AccessLogDisabled_WritesNoAccessLine_WhereTheDefaultWritesOnePerRequest()
    {
        await using var disabled = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Proxy__AccessLog__Enabled", "false"));

        foreach (var proxy in new[] { fixture.Proxy, disabled })
        {
            using var client = ProxyFixture.ClientFor(proxy);
            using var success = await client.GetAsync("/v1/echo");
            using var failure = await client.GetAsync("/v1/errors/openai/500");
            Assert.Equal(200, (int)success.StatusCode);
            var successId = Assert.Single(success.Headers.GetValues("x-request-id"));
            var failureId = Assert.Single(failure.Headers.GetValues("x-request-id"));
            await LogLines.WaitForAsync(proxy, "Failure upstream_error (500)", failureId);
            if (proxy == disabled)
            {
                Assert.DoesNotContain(proxy.Output, line => line.Contains("[1200]", StringComparison.Ordinal) || line.Contains(" answered ", StringComparison.Ordinal));
            }
            else
            {
                await LogLines.WaitForAsync(proxy, "[1200]", successId, "answered 200");
                await LogLines.WaitForAsync(proxy, "[1200]", failureId, "answered 500");
            }
        }
    }

    [Fact]
    public async Task AccessLogSettingThatIsNotABoolean_StopsTheHostWithOneLineNamingIt()
    {
        var settings = fixture.SettingsFor(fixture.Upstream.BaseAddress);
        settings["Proxy__AccessLog__Enabled"] = "sometimes";

        var (exitCode, output) = await InProcessProxy.RunToExitAsync(settings);

        Assert.Equal(1, exitCode);
        Assert.Equal("The proxy did not start: Proxy__AccessLog__Enabled cannot be read as a Boolean.", output.Trim());
    }
}
