using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Proxy.Tests.Infrastructure;
using Proxy.Tests.Usage;
using Xunit.Abstractions;

namespace Proxy.Tests.Tokens;

/// <summary>
/// A tier's token limit refuses a key once its UTC hour's tokens (prompt plus completion, as the upstream reported them)
/// have reached it, with the quota's documented 429; the requests in flight when it is reached are admitted, and no more.
/// Each answer of the fake upstream reports <see cref="FakeUpstream.PromptTokens"/> + <see cref="FakeUpstream.CompletionTokens"/>.
/// </summary>
public sealed class TokenLimitTests(InProcessFixture fixture, ITestOutputHelper output) : IClassFixture<InProcessFixture>
{
    private const int AnswerTokens = FakeUpstream.PromptTokens + FakeUpstream.CompletionTokens;

    /// <summary>Four answers' worth: admitted at 0, 1, 2 and 3 answers' tokens, refused at 4.</summary>
    private const int Limit = 4 * AnswerTokens;

    [Fact]
    public async Task SequentialRequests_AreAdmittedWhileTheHourIsBelowTheLimit_ThenGetTheQuota429()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            UsageLedgerTests.UsageTableSetting(), ("Proxy__Quota__FreeTokensPerHour", Limit.ToString(CultureInfo.InvariantCulture)));
        using var http = ClientWithKey(proxy, "sk-tokens-" + Guid.NewGuid().ToString("N"), connections: 1);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < Limit / AnswerTokens; i++)
        {
            statuses.Add(await UsageLedgerTests.CompleteAsync(http, "gpt-4o"));
        }

        using var refused = await http.PostAsJsonAsync("/v1/chat/completions", new { model = "gpt-4o", messages = new[] { new { role = "user", content = "Hi" } } });

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        var body = await ErrorBodyAssert.MatchesAsync(refused, 429, "/v1/chat/completions", "Token limit: You've used up your tokens for the hour.");
        Assert.Equal("rate_limit_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("false", Assert.Single(refused.Headers.GetValues("x-should-retry")));
        Assert.False(refused.Headers.Contains("Retry-After"), "the .NET SDK would sleep for it, whatever x-should-retry says");
        Assert.Equal(Limit.ToString(CultureInfo.InvariantCulture), Assert.Single(refused.Headers.GetValues("x-ratelimit-limit-tokens")));
        Assert.Equal("0", Assert.Single(refused.Headers.GetValues("x-ratelimit-remaining-tokens")));
    }

    [Fact]
    public async Task ConcurrentBurst_AdmitsAtMostTheRequestsInFlightWhenTheLimitIsReached()
    {
        const int connections = 8, requests = 60;
        var table = UsageLedgerTests.UsageTableSetting();
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            table, ("Proxy__Usage__FlushInterval", "00:00:01"), ("Proxy__Quota__FreeTokensPerHour", Limit.ToString(CultureInfo.InvariantCulture)));
        var key = "sk-tokens-burst-" + Guid.NewGuid().ToString("N");

        // At most this many connections, and HTTP/1.1 serves a connection's next request only once the last one's handler
        // (and so its count in the ledger) is done: at most that many requests are in flight in the proxy at once.
        using var http = ClientWithKey(proxy, key, connections);
        var statuses = await Task.WhenAll(Enumerable.Range(0, requests).Select(_ => UsageLedgerTests.CompleteAsync(http, "gpt-4o")));

        var admitted = statuses.Count(status => status == HttpStatusCode.OK);
        var refused = statuses.Count(status => status == HttpStatusCode.TooManyRequests);
        var row = await UsageLedgerTests.WaitForRequestsAsync(fixture.Azurite.ConnectionString, key, requests, table);
        var counted = row.GetProperty("promptTokens").GetInt64() + row.GetProperty("completionTokens").GetInt64();
        var overshoot = counted - Limit;
        output.WriteLine(
            $"burst of {requests} at concurrency {connections}, limit {Limit} tokens, {AnswerTokens} per answer: {admitted} admitted, {refused} refused; " +
            $"tokens counted {counted}, overshoot {overshoot} (bound: the {connections - 1} other requests in flight, {(connections - 1) * AnswerTokens} tokens)");

        Assert.Equal(requests, admitted + refused);
        Assert.Equal(refused, row.GetProperty("refused").GetInt64());
        Assert.Equal(admitted * AnswerTokens, counted);
        Assert.InRange(admitted, Limit / AnswerTokens, (Limit / AnswerTokens) + connections - 1);
    }

    [Fact]
    public async Task TokensFlushedByAnotherProcess_CountAgainstTheKeyInThisOne()
    {
        var shared = new[]
        {
            UsageLedgerTests.UsageTableSetting(), ("Proxy__Tiers__TableName", "tiers" + Guid.NewGuid().ToString("N")),
            ("Proxy__Usage__FlushInterval", "00:00:01"), ("Proxy__Quota__FreeTokensPerHour", Limit.ToString(CultureInfo.InvariantCulture)),
        };
        await using var first = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, shared);
        await using var second = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, shared);
        var key = "sk-tokens-two-" + Guid.NewGuid().ToString("N");
        using var toFirst = ClientWithKey(first, key, connections: 1);
        using var toSecond = ClientWithKey(second, key, connections: 1);
        for (var i = 0; i < Limit / AnswerTokens; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await UsageLedgerTests.CompleteAsync(toFirst, "gpt-4o"));
        }

        await UsageLedgerTests.WaitForRequestsAsync(fixture.Azurite.ConnectionString, key, Limit / AnswerTokens, shared[0]);

        // The second process has never seen the key: its first request reads what the first flushed.
        Assert.Equal(HttpStatusCode.TooManyRequests, await UsageLedgerTests.CompleteAsync(toSecond, "gpt-4o"));
    }

    private static HttpClient ClientWithKey(ProxyProcess proxy, string key, int connections)
    {
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = connections })
        {
            BaseAddress = proxy.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return http;
    }
}
