using System.Globalization;
using System.Net;
using Proxy.Tests.Auth;
using Proxy.Tests.Cli;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Tiers;

/// <summary>
/// Tiers live in one table that every proxy instance and the CLI read: the CLI shows the limits the proxy enforces, whatever
/// its own settings say, and a change made with <c>proxy-cli tiers set</c> reaches an idle proxy within the refresh interval.
/// </summary>
public abstract class TierTests(ProxyFixture fixture)
{
    [Fact]
    public async Task TierLimitSetWhileTheProxyIsIdle_IsTheLimitOfItsFirstRequestAfterTheInterval()
    {
        var storage = fixture.Azurite.ConnectionString;
        var tiersTable = ("Proxy__Tiers__TableName", "tiers" + Guid.NewGuid().ToString("N"));
        await using var proxy = await fixture.StartProxyWithTestClockAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Quota__FreeRequestsPerHour", "5"),
            ("Proxy__Auth__KeyRefreshInterval", KeyRefreshTests.RefreshInterval),
            tiersTable);

        // Pass-through mode: any string is a key, and one nobody registered is in the free tier.
        // A loaded machine's first request may be admitted uncounted (fail-open) while the store warms up; the limit is what
        // the first counted one says.
        await CliKeys.SendUntilLimitAsync(proxy, "sk-any-string-" + Guid.NewGuid().ToString("N"), "warm", "5");

        var set = await InProcessCli.RunAsync(storage, ["tiers", "set", "free", "--limit", "7"], tiersTable);
        Assert.True(set.ExitCode == 0, set.Output);
        Assert.Contains("Tier free: 7/h (was 5/h)", set.Output, StringComparison.Ordinal);
        await fixture.PassRefreshIntervalAsync(proxy, TimeSpan.Parse(KeyRefreshTests.RefreshInterval, CultureInfo.InvariantCulture));

        // The first counted answer after the interval (one admitted uncounted while a loaded store is slow carries no limit).
        var key = "sk-another-string-" + Guid.NewGuid().ToString("N");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            using var response = await CliKeys.SendAsync(proxy, key, "after");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            if (response.Headers.TryGetValues("X-RateLimit-Limit", out var limit))
            {
                Assert.Equal("7", Assert.Single(limit));
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "Not within 20 s: a counted answer for the key sent after the change.");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Cli_ShowsTheLimitsTheProxyEnforces_NotThoseOfItsOwnSettings()
    {
        // The issue's case: the CLI's settings say 10, the proxy's say 3; the proxy filled the table on its first read.
        var storage = fixture.Azurite.ConnectionString;
        var tables = new[] { ("Proxy__Tiers__TableName", "tiers" + Guid.NewGuid().ToString("N")), ("Proxy__Auth__KeysTableName", "keys" + Guid.NewGuid().ToString("N")) };
        (string, string)[] cliSettings = [.. tables, ("Proxy__Quota__FreeRequestsPerHour", "10")];
        await using var proxy = await fixture.StartProxyWithTestClockAsync(fixture.Upstream.BaseAddress,
            [.. tables, ("Proxy__Quota__FreeRequestsPerHour", "3"), ("Proxy__Quota__Tiers__gold__RequestsPerHour", "20"), ("Proxy__Auth__KeyRefreshInterval", KeyRefreshTests.RefreshInterval)]);
        await CliKeys.SendUntilLimitAsync(proxy, "sk-unregistered-" + Guid.NewGuid().ToString("N"), "unregistered", "3");

        var tiers = await InProcessCli.RunAsync(storage, ["tiers", "list"], cliSettings);
        Assert.True(tiers.ExitCode == 0, tiers.Output);
        Assert.Matches(@"(?m)^free\s+3/h\s+-\s+-\s+0\s*$", tiers.Output);
        Assert.Matches(@"(?m)^gold\s+20/h\s+-\s+-\s+0\s*$", tiers.Output);

        // The CLI's settings have no gold tier; the table, and so the proxy, has.
        var gold = await CliKeys.CreateAsync(storage, ["--tier", "gold"], cliSettings);
        var own = await CliKeys.CreateAsync(storage, ["--limit", "4"], cliSettings);
        await fixture.PassRefreshIntervalAsync(proxy, TimeSpan.Parse(KeyRefreshTests.RefreshInterval, CultureInfo.InvariantCulture));

        // How soon a change arrives is KeyRefreshTests' to pin; here, that the limits are the table's once it has.
        var goldCounted = await CliKeys.SendUntilLimitAsync(proxy, gold.Key, "gold", "20");
        await CliKeys.SendUntilLimitAsync(proxy, own.Key, "own", "4");

        var list = await InProcessCli.RunAsync(storage, ["keys", "list"], cliSettings);
        Assert.Matches($@"(?m)^{gold.Id}\s+-\s+gold\s+20\s+enabled", list.Output);
        Assert.Matches($@"(?m)^{own.Id}\s+-\s+free\s+4\s+enabled", list.Output);
        var usage = await InProcessCli.RunAsync(storage, ["keys", "usage", gold.Id], cliSettings);
        Assert.Contains($"{gold.Id}: {goldCounted} of 20 requests", usage.Output, StringComparison.Ordinal);
        var tierUsage = await InProcessCli.RunAsync(storage, ["tiers", "list"], cliSettings);
        Assert.Matches($@"(?m)^gold\s+20/h\s+-\s+-\s+{goldCounted}\s*$", tierUsage.Output);
    }

    [Fact]
    public async Task TierLimitLoweredWhileAKeyIsBusy_RefusesEveryRequestAfterTheInterval_WithNothingLeft()
    {
        var storage = fixture.Azurite.ConnectionString;
        var tiersTable = ("Proxy__Tiers__TableName", "tiers" + Guid.NewGuid().ToString("N"));
        await using var proxy = await fixture.StartProxyWithTestClockAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Quota__FreeRequestsPerHour", "1000000"),
            ("Proxy__Auth__KeyRefreshInterval", KeyRefreshTests.RefreshInterval),
            tiersTable);
        var key = "sk-busy-" + Guid.NewGuid().ToString("N");
        var answers = new System.Collections.Concurrent.ConcurrentQueue<(bool AfterTheRead, int Status, string? Limit, string? Remaining)>();
        var afterTheRead = false;
        var stop = false;

        // The key stays busy, 48 requests at a time, while its tier's limit is lowered below what it has already used.
        async Task WorkerAsync()
        {
            while (!Volatile.Read(ref stop))
            {
                var asked = Volatile.Read(ref afterTheRead);
                using var response = await CliKeys.SendAsync(proxy, key, "busy");
                answers.Enqueue((asked, (int)response.StatusCode, Header(response, "X-RateLimit-Limit"), Header(response, "X-RateLimit-Remaining")));
            }
        }

        var workers = Enumerable.Range(0, 48).Select(_ => Task.Run(WorkerAsync)).ToList();
        await Eventually.TrueAsync(() => Task.FromResult(answers.Count >= 200), TimeSpan.FromSeconds(60), "200 requests answered");
        var set = await InProcessCli.RunAsync(storage, ["tiers", "set", "free", "--limit", "10"], tiersTable);
        Assert.True(set.ExitCode == 0, set.Output);
        await fixture.PassRefreshIntervalAsync(proxy, TimeSpan.Parse(KeyRefreshTests.RefreshInterval, CultureInfo.InvariantCulture));
        Volatile.Write(ref afterTheRead, true);
        await Eventually.TrueAsync(() => Task.FromResult(answers.Count(answer => answer.AfterTheRead) >= 200), TimeSpan.FromSeconds(60), "200 requests answered after the read");
        Volatile.Write(ref stop, true);
        await Task.WhenAll(workers);

        // Every request asked once the proxy had read the lowered limit is refused, with nothing left; none ever had less.
        var after = answers.Where(answer => answer.AfterTheRead).ToList();
        Assert.NotEmpty(after);
        Assert.All(after, answer => Assert.Equal((429, "10", "0"), (answer.Status, answer.Limit, answer.Remaining)));
        Assert.All(answers, answer => Assert.False(answer.Remaining?.StartsWith('-') ?? false, $"X-RateLimit-Remaining: {answer.Remaining}"));
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : null;
}

public sealed class TierTestsInProcess(InProcessFixture fixture) : TierTests(fixture), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class TierTestsOnFunctionsHost(FunctionsHostFixture fixture) : TierTests(fixture);
