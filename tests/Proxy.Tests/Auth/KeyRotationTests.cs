using System.Globalization;
using System.Net;
using Proxy.Tests.Cli;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Auth;

/// <summary>
/// <c>proxy-cli keys rotate</c> reaches a running proxy within its key refresh interval: the old secret is refused, the new
/// one admitted, and counted as the same key (its id, and so its hourly count, carry on). In pass-through mode too, where an
/// unregistered key would otherwise be admitted: the first secret hashes to the key's id and would share its count.
/// </summary>
public abstract class KeyRotationTests(ProxyFixture fixture)
{
    [Theory]
    [InlineData("Managed")]
    [InlineData("PassThrough")]
    public async Task Rotate_OldSecretRefusedAfterTheRefresh_NewOneAdmittedOnTheSameCount(string mode)
    {
        var storage = fixture.Azurite.ConnectionString;
        var keysTable = ("Proxy__Auth__KeysTableName", "keys" + Guid.NewGuid().ToString("N"));
        var old = await CliKeys.CreateAsync(storage, ["--name", "rotated", "--limit", "10"], keysTable);
        await using var proxy = await fixture.StartProxyWithTestClockAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Auth__Mode", mode),
            ("Proxy__Upstream__ApiKey", ProxyFixture.UpstreamKey),
            ("Proxy__Auth__KeyRefreshInterval", KeyRefreshTests.RefreshInterval),
            keysTable);
        using var before = await CliKeys.SendAsync(proxy, old.Key, "before");
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        var (rotatedExit, rotatedOutput) = await InProcessCli.RunAsync(storage, ["keys", "rotate", old.Id], keysTable);
        Assert.True(rotatedExit == 0, rotatedOutput);
        var newKey = CliKeys.Printed(rotatedOutput).Key;
        Assert.Contains($"id:  {old.Id}", rotatedOutput, StringComparison.Ordinal);
        await fixture.PassRefreshIntervalAsync(proxy, TimeSpan.Parse(KeyRefreshTests.RefreshInterval, CultureInfo.InvariantCulture));

        using var refused = await CliKeys.SendAsync(proxy, old.Key, "old");
        using var admitted = await CliKeys.SendAsync(proxy, newKey, "new");

        await ErrorBodyAssert.MatchesAsync(refused, 401, "/v1/echo", "This request requires a valid API key.");
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.Null(fixture.Upstream.LastRequestTo("/v1/echo?client=old"));

        // One count for both secrets: 9 left after the first request, 8 after the second, unless the hour turned between
        // them (a reset further off than the first's), when the new hour's count starts again.
        var sameHour = Header(admitted, "X-RateLimit-Reset") <= Header(before, "X-RateLimit-Reset");
        Assert.Equal(sameHour ? 8 : 9, Header(admitted, "X-RateLimit-Remaining"));
    }

    private static long Header(HttpResponseMessage response, string name) =>
        long.Parse(Assert.Single(response.Headers.GetValues(name)), CultureInfo.InvariantCulture);
}

public sealed class KeyRotationTestsInProcess(InProcessFixture fixture) : KeyRotationTests(fixture), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class KeyRotationTestsOnFunctionsHost(FunctionsHostFixture fixture) : KeyRotationTests(fixture);
