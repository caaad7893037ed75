using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using OpenAI;
using OpenAI.Chat;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Forwarding;

/// <summary>
/// The official OpenAI SDKs, pointed at the proxy as their endpoint, work as against the upstream itself; on their default
/// options (retries included) a quota refusal reaches the caller at once, and a failure that is not the caller's fault
/// costs its key nothing.
/// </summary>
public abstract class OpenAiSdkTests(ProxyFixture fixture, ITestOutputHelper output)
{
    private const string FreeTierMessage =
        "Free-tier limit: You've reached your free limit for the hour. Get AI/ML Subscription to use API, visit https://aimlapi.com/app/billing/ !";

    private static readonly TimeSpan s_quickAnswer = TimeSpan.FromSeconds(10);

    private ChatClient ChatClient(string model = "gpt-4o-mini") => new(
        model,
        new ApiKeyCredential(ProxyFixture.ClientKey),
        new OpenAIClientOptions
        {
            Endpoint = new Uri(fixture.Proxy.BaseAddress, "/v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });

    [Fact]
    public async Task ChatCompletion_ThroughProxy_ArrivesIntact()
    {
        ChatCompletion completion = await ChatClient().CompleteChatAsync([new UserChatMessage("Say hello.")]);

        Assert.Equal(FakeUpstream.ChatContent, Assert.Single(completion.Content).Text);
        Assert.Equal("gpt-4o-mini", completion.Model);
        var seen = fixture.Upstream.Requests.Last();
        Assert.Equal("/v1/chat/completions", seen.Target);
        Assert.Equal("Bearer " + ProxyFixture.ClientKey, seen.Headers["Authorization"]);
    }

    [Fact]
    public async Task StreamedChatCompletion_FirstEventReachesClientWhileUpstreamHoldsTheRest()
    {
        fixture.Upstream.HoldNextStream();
        var received = new StringBuilder();
        var updates = 0;

        await foreach (var update in ChatClient().CompleteChatStreamingAsync([new UserChatMessage("Say hello slowly.")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                received.Append(part.Text);
            }

            if (++updates == 1)
            {
                // The upstream sends nothing more until this line runs: had the proxy buffered, we would not be here.
                Assert.Equal(FakeUpstream.StreamedPieces[0], received.ToString());
                fixture.Upstream.ReleaseStream();
            }
        }

        Assert.False(fixture.Upstream.StreamReleasedByTimeout, "the first event reached the client before the upstream sent the rest");
        Assert.Equal(string.Concat(FakeUpstream.StreamedPieces), received.ToString());
    }

    [Fact]
    public async Task QuotaRefusal_DotNetSdkOnDefaultOptions_ThrowsTheFreeTierMessageWithinTenSeconds()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Proxy__Quota__FreeRequestsPerHour", "1"));
        var key = "sk-sdk-dotnet-429-" + Guid.NewGuid().ToString("N");
        var chat = DefaultChatClient(proxy, key, "gpt-4o-mini");
        await chat.CompleteChatAsync([new UserChatMessage("Use up the hour.")]);

        // Bounded, so that an SDK sleeping for the rest of the hour fails the test instead of holding it.
        using var patience = new CancellationTokenSource(s_quickAnswer * 2);
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ClientResultException>(
            () => chat.CompleteChatAsync([new UserChatMessage("One more.")], cancellationToken: patience.Token));
        clock.Stop();

        output.WriteLine($".NET SDK (OpenAI 2.15.0, default ClientRetryPolicy): quota 429 reached the caller after {clock.ElapsedMilliseconds} ms");
        Assert.Equal(429, error.Status);
        Assert.Contains(FreeTierMessage, error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < s_quickAnswer, $"the 429 took {clock.Elapsed}");
        Assert.Equal(1, UpstreamCallsWith(key));
    }

    [Fact]
    public async Task QuotaRefusal_NodeSdkOnDefaultOptions_ThrowsTheFreeTierMessageWithinTenSeconds()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Proxy__Quota__FreeRequestsPerHour", "1"));
        var key = "sk-sdk-node-429-" + Guid.NewGuid().ToString("N");
        var first = await NodeOpenAiSdk.CompleteChatAsync(proxy.BaseAddress, key, "gpt-4o-mini");

        var refused = await NodeOpenAiSdk.CompleteChatAsync(proxy.BaseAddress, key, "gpt-4o-mini");

        output.WriteLine($"Node SDK (openai 6.49.0, default maxRetries 2): quota 429 reached the caller after {refused.Ms:0} ms");
        Assert.Equal(200, first.Status);
        Assert.Equal(429, refused.Status);
        Assert.Contains(FreeTierMessage, refused.Message, StringComparison.Ordinal);
        Assert.True(refused.Ms < s_quickAnswer.TotalMilliseconds, $"the 429 took {refused.Ms} ms");
        Assert.Equal(1, UpstreamCallsWith(key));
    }

    [Fact]
    public async Task UpstreamFailure_DotNetSdkRetryingOnDefaultOptions_CostsTheKeyNothing()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Proxy__Quota__FreeRequestsPerHour", "50"));
        var key = "sk-sdk-dotnet-500-" + Guid.NewGuid().ToString("N");
        var before = await RemainingAsync(proxy, key);

        var error = await Assert.ThrowsAsync<ClientResultException>(
            () => DefaultChatClient(proxy, key, "fail-500").CompleteChatAsync([new UserChatMessage("hi")]));

        var after = await RemainingAsync(proxy, key);
        var attempts = UpstreamCallsWith(key) - 2;
        output.WriteLine($".NET SDK: one failed call ({attempts} upstream attempts, all 500); remaining before {before}, after {after} (the one between is the second probe's)");
        Assert.Equal(500, error.Status);
        Assert.Equal(4, attempts);
        Assert.Equal(before - 1, after);
    }

    [Fact]
    public async Task UpstreamFailure_NodeSdkRetryingOnDefaultOptions_CostsTheKeyNothing()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Proxy__Quota__FreeRequestsPerHour", "50"));
        var key = "sk-sdk-node-503-" + Guid.NewGuid().ToString("N");
        var before = await RemainingAsync(proxy, key);

        var failed = await NodeOpenAiSdk.CompleteChatAsync(proxy.BaseAddress, key, "fail-503");

        var after = await RemainingAsync(proxy, key);
        var attempts = UpstreamCallsWith(key) - 2;
        output.WriteLine($"Node SDK: one failed call ({attempts} upstream attempts, all 503); remaining before {before}, after {after} (the one between is the second probe's)");
        Assert.Equal(503, failed.Status);
        Assert.Equal(3, attempts);
        Assert.Equal(before - 1, after);
    }

    [Fact]
    public async Task UpstreamError_ThroughSdk_ShowsTheUpstreamStatusAndMessage()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(
            () => ChatClient("fail-403").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(403, error.Status);
        Assert.Contains(FakeUpstream.ErrorMessage("aimlapi", 403), error.Message, StringComparison.Ordinal);
    }

    /// <summary>The SDK as a new user has it: only the endpoint and the key set, its own retry policy.</summary>
    private static ChatClient DefaultChatClient(ProxyProcess proxy, string key, string model) =>
        new(model, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(proxy.BaseAddress, "/v1") });

    private int UpstreamCallsWith(string key) =>
        fixture.Upstream.Requests.Count(request => request.Headers.TryGetValue("Authorization", out var value) && value == "Bearer " + key);

    /// <summary>What the key has left after one more counted request, as the proxy's headers say.</summary>
    private static async Task<int> RemainingAsync(ProxyProcess proxy, string key)
    {
        using var client = ProxyFixture.ClientFor(proxy, withKey: false);
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        using var response = await client.GetAsync("/v1/echo");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return int.Parse(Assert.Single(response.Headers.GetValues("X-RateLimit-Remaining")), CultureInfo.InvariantCulture);
    }
}

[Collection(OnStandaloneHost.Name)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class OpenAiSdkTestsOnStandaloneHost(StandaloneHostFixture fixture, ITestOutputHelper output) : OpenAiSdkTests(fixture, output);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class OpenAiSdkTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : OpenAiSdkTests(fixture, output);
