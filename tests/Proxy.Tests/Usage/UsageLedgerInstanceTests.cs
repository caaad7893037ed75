using System.Net;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Usage;

/// <summary>
/// What only processes of their own can show: two instances counting the same key's hour lose nothing (each writes rows
/// of its own, and readers sum them), and a host that is stopped writes what it counted since its last flush.
/// </summary>
public sealed class UsageLedgerInstanceTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    private const int RequestsPerProcess = 40;
    private const int Concurrency = 8;

    [Fact]
    public async Task TwoProcessesCountingOneKeysHour_LoseNothing()
    {
        var table = UsageLedgerTests.UsageTableSetting();
        (string, string) flush = ("Proxy__Usage__FlushInterval", "00:00:01");
        await using var first = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, table, flush);
        await using var second = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, table, flush);
        var key = "sk-usage-two-" + Guid.NewGuid().ToString("N");

        var statuses = await Task.WhenAll(SendAsync(first, key), SendAsync(second, key));

        Assert.All(statuses.SelectMany(status => status), status => Assert.Equal(HttpStatusCode.OK, status));
        var sent = statuses.Sum(process => process.Count);
        var row = await UsageLedgerTests.WaitForRequestsAsync(fixture.Azurite.ConnectionString, key, sent, table);
        Assert.Equal(sent, row.GetProperty("succeeded").GetInt64());
        Assert.Equal(sent * FakeUpstream.PromptTokens, row.GetProperty("promptTokens").GetInt64());
        Assert.Equal(sent * FakeUpstream.CompletionTokens, row.GetProperty("completionTokens").GetInt64());
    }

    [Fact]
    public async Task AGracefulStop_WritesWhatWasCountedSinceTheLastFlush()
    {
        // No interval flush can come in time: only the one at shutdown writes.
        var table = UsageLedgerTests.UsageTableSetting();
        var proxy = (InProcessProxy)await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, table, ("Proxy__Usage__FlushInterval", "01:00:00"));
        await using var stopped = proxy;
        var key = "sk-usage-stop-" + Guid.NewGuid().ToString("N");
        using var http = ProxyFixture.ClientFor(proxy, withKey: false);
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        const int requests = 3;
        for (var i = 0; i < requests; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await UsageLedgerTests.CompleteAsync(http, "gpt-4o"));
        }

        await proxy.StopGracefullyAsync(TimeSpan.FromSeconds(30));

        var row = await UsageLedgerTests.WaitForRequestsAsync(fixture.Azurite.ConnectionString, key, requests, table);
        Assert.Equal(requests * FakeUpstream.PromptTokens, row.GetProperty("promptTokens").GetInt64());
    }

    [Theory]
    [InlineData("--since", "yesterday")]
    [InlineData("--key", "sk-not-an-id")]
    public async Task Cli_ABadOption_IsAUsageError(string option, string value)
    {
        var (exitCode, output) = await InProcessCli.RunAsync(fixture.Azurite.ConnectionString, ["usage", option, value]);

        Assert.True(exitCode == 2, output);
        Assert.DoesNotContain("sk-not-an-id", output, StringComparison.Ordinal);
    }

    private static async Task<List<HttpStatusCode>> SendAsync(ProxyProcess proxy, string key)
    {
        using var http = ProxyFixture.ClientFor(proxy, withKey: false);
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        var statuses = new List<HttpStatusCode>();
        for (var round = 0; round < RequestsPerProcess / Concurrency; round++)
        {
            statuses.AddRange(await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => UsageLedgerTests.CompleteAsync(http, "gpt-4o"))));
        }

        return statuses;
    }
}
