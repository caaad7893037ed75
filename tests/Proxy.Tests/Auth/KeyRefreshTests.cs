using System.Globalization;
using System.Net;
using Proxy.Tests.Cli;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Auth;

/// <summary>
/// A key change reaches a running proxy within <c>Proxy__Auth__KeyRefreshInterval</c> even when no request comes meanwhile
/// (an idle proxy once answered a key created 40 s before with 401, 401, then 200).
/// </summary>
public abstract class KeyRefreshTests(ProxyFixture fixture)
{
    internal const string RefreshInterval = "00:00:02";

    [Fact]
    public async Task KeyCreatedAndKeyDisabledWhileTheProxyIsIdle_TheFirstRequestsAfterTheIntervalSeeBoth()
    {
        var storage = fixture.Azurite.ConnectionString;
        var keysTable = ("Proxy__Auth__KeysTableName", "keys" + Guid.NewGuid().ToString("N"));
        var existing = await CliKeys.CreateAsync(storage, ["--name", "existing"], keysTable);
        await using var proxy = await fixture.StartProxyWithTestClockAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Auth__Mode", "Managed"),
            ("Proxy__Upstream__ApiKey", ProxyFixture.UpstreamKey),
            ("Proxy__Auth__KeyRefreshInterval", RefreshInterval),
            keysTable);
        using (var warm = await CliKeys.SendAsync(proxy, existing.Key, "warm"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        // No request from here until both changes have had the interval to arrive.
        var created = await CliKeys.CreateAsync(storage, ["--name", "created-while-idle"], keysTable);
        var disable = await InProcessCli.RunAsync(storage, ["keys", "disable", existing.Id], keysTable);
        Assert.True(disable.ExitCode == 0, disable.Output);
        await fixture.PassRefreshIntervalAsync(proxy, TimeSpan.Parse(RefreshInterval, CultureInfo.InvariantCulture));

        // At once, so that neither request can be the one that makes the proxy look again.
        var (admitted, refused) = (CliKeys.SendAsync(proxy, created.Key, "created"), CliKeys.SendAsync(proxy, existing.Key, "disabled"));
        using var admittedResponse = await admitted;
        using var refusedResponse = await refused;
        Assert.Equal(HttpStatusCode.OK, admittedResponse.StatusCode);
        await ErrorBodyAssert.MatchesAsync(refusedResponse, 403, "/v1/echo", "Forbidden: this API key is disabled.");
    }
}

public sealed class KeyRefreshTestsInProcess(InProcessFixture fixture) : KeyRefreshTests(fixture), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class KeyRefreshTestsOnFunctionsHost(FunctionsHostFixture fixture) : KeyRefreshTests(fixture);
