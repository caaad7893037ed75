using System.Globalization;
using System.Net;
using System.Text;
using Proxy.Tests.Forwarding;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Tokens;

/// <summary>
/// A tier's tokens per hour hold whatever the client sends: every answer's usage is read (compressed or not, streamed with
/// or without the client asking for its usage, chat, legacy completions, the Responses API, embeddings); each request
/// reserves its prompt's bytes and its completion cap before the call, in the same write that counts it, and the answer's
/// usage replaces the reservation; a request whose reservation does not fit what is left gets the token 429. A concurrent
/// burst with a cap on every request never gets past the limit, on one process or two.
/// </summary>
public abstract class TokenBudgetTests(ProxyFixture fixture, ITestOutputHelper output) : MeteredProxySpec(fixture)
{
    /// <summary>How a client may call: the path, the body, whether it accepts gzip, and the tokens its answer reports.</summary>
    public sealed record Behaviour(string Name, string Path, string Body, bool AcceptsGzip, long AnswerTokens, bool Generates = true, bool StreamsWithoutUsage = false)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Behaviour> Behaviours => new()
    {
        new("plain JSON", "/v1/chat/completions", Chat(), false, MeteringUpstream.AnswerTokens()),
        new("JSON, gzip accepted", "/v1/chat/completions", Chat(), true, MeteringUpstream.AnswerTokens()),
        new("stream without include_usage", "/v1/chat/completions", Chat(", \"stream\": true"), false, MeteringUpstream.AnswerTokens(), StreamsWithoutUsage: true),
        new("stream without include_usage, gzip accepted", "/v1/chat/completions", Chat(", \"stream\": true"), true, MeteringUpstream.AnswerTokens(), StreamsWithoutUsage: true),
        new("stream with include_usage", "/v1/chat/completions", Chat(", \"stream\": true, \"stream_options\": {\"include_usage\": true}"), false, MeteringUpstream.AnswerTokens()),
        new("legacy completions stream", "/v1/completions", $"{{\"model\":\"gpt\",\"prompt\":\"{Prompt}\",\"stream\":true}}", false, MeteringUpstream.AnswerTokens(), StreamsWithoutUsage: true),
        new("Responses API", "/v1/responses", $"{{\"model\":\"gpt\",\"input\":\"{Prompt}\"}}", false, MeteringUpstream.AnswerTokens()),
        new("Responses API stream, gzip accepted", "/v1/responses", $"{{\"model\":\"gpt\",\"input\":\"{Prompt}\",\"stream\":true}}", true, MeteringUpstream.AnswerTokens()),
        new("embeddings", "/v1/embeddings", $"{{\"model\":\"emb\",\"input\":\"{Prompt}\"}}", false, MeteringUpstream.PromptTokens, Generates: false),
    };

    [Theory]
    [MemberData(nameof(Behaviours))]
    public async Task EveryClientBehaviour_IsCountedInFull_AndRefusedOnceItsNextReservationDoesNotFit(Behaviour behaviour)
    {
        await using var proxy = await StartAsync();
        using var http = Client(proxy, NewKey(), behaviour.AcceptsGzip);
        var reservation = Encoding.UTF8.GetByteCount(behaviour.Body) + (behaviour.Generates ? DefaultCap : 0);
        var fits = ((Limit - reservation) / behaviour.AnswerTokens) + 1;

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < fits + 2; i++)
        {
            var response = await PostAsync(http, behaviour.Path, behaviour.Body);
            statuses.Add(response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK && behaviour.StreamsWithoutUsage)
            {
                Assert.DoesNotContain("usage", body, StringComparison.Ordinal);
                Assert.Contains("data: [DONE]", body, StringComparison.Ordinal);
            }

            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused ??= response;
            }
        }

        var used = fits * behaviour.AnswerTokens;
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, (int)fits), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        await ErrorBodyAssert.MatchesAsync(refused!, 429, behaviour.Path, "Token limit: ");
        Assert.Equal("false", Assert.Single(refused!.Headers.GetValues("x-should-retry")));
        Assert.Equal(Limit.ToString(CultureInfo.InvariantCulture), Assert.Single(refused.Headers.GetValues("x-ratelimit-limit-tokens")));
        Assert.Equal((Limit - used).ToString(CultureInfo.InvariantCulture), Assert.Single(refused.Headers.GetValues("x-ratelimit-remaining-tokens")));
        AssertTokens(await SettledQuotaAsync(http), used, reserved: 0);

        var sent = Upstream.Requests.Where(request => request.Target == behaviour.Path).ToList();
        Assert.Equal(fits, sent.Count);
        Assert.All(sent, request => Assert.False(request.Headers.ContainsKey("Accept-Encoding"), "a metered key's answer is asked for uncompressed"));
        if (behaviour.StreamsWithoutUsage)
        {
            Assert.All(sent, request => Assert.Contains("\"include_usage\":true", request.Body, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task AConcurrentBurstWithMaxTokens_NeverGetsPastTheLimit(int processes)
    {
        const int requests = 60, connections = 8, cap = 50;
        var tiers = TiersTable();
        var proxies = new List<ProxyProcess>();
        for (var i = 0; i < processes; i++)
        {
            proxies.Add(await StartWithTiersAsync(tiers));
        }

        try
        {
            var key = NewKey();
            var clients = proxies.Select(proxy => Client(proxy, key, gzip: false, connections)).ToList();
            var body = Chat($", \"max_tokens\": {cap}");
            var statuses = await Task.WhenAll(Enumerable.Range(0, requests).Select(async i =>
            {
                using var response = await PostAsync(clients[i % processes], "/v1/chat/completions", body);
                return response.StatusCode;
            }));

            var admitted = statuses.Count(status => status == HttpStatusCode.OK);
            var quota = await SettledQuotaAsync(clients[0]);
            var counted = quota.GetProperty("tokens").GetProperty("used").GetInt64();
            output.WriteLine($"burst of {requests} at concurrency {connections} on {processes} process(es), limit {Limit} tokens, " +
                $"max_tokens {cap} ({MeteringUpstream.AnswerTokens(cap)} per answer): {admitted} admitted; tokens counted {counted}");

            Assert.Equal(requests, admitted + statuses.Count(status => status == HttpStatusCode.TooManyRequests));
            Assert.InRange(admitted, 1, requests - 1);
            AssertTokens(quota, admitted * MeteringUpstream.AnswerTokens(cap), reserved: 0);
            Assert.True(counted <= Limit, $"{counted} tokens counted against a limit of {Limit}");
            clients.ForEach(client => client.Dispose());
        }
        finally
        {
            foreach (var proxy in proxies)
            {
                await proxy.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task TheNodeSdkOnItsDefaultOptions_IsCountedLikeAnyClient()
    {
        await using var proxy = await StartAsync();
        var key = NewKey();
        var statuses = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add((await NodeOpenAiSdk.CompleteChatAsync(proxy.BaseAddress, key, "gpt")).Status);
        }

        Assert.Equal([200, 200, 200, 429, 429], statuses);
        Assert.All(Upstream.Requests, request => Assert.False(request.Headers.ContainsKey("Accept-Encoding")));
    }
}

public sealed class TokenBudgetTestsInProcess(InProcessFixture fixture, ITestOutputHelper output) : TokenBudgetTests(fixture, output), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class TokenBudgetTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : TokenBudgetTests(fixture, output);
