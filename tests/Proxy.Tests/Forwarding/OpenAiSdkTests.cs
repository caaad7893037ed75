using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using OpenAI;
using OpenAI.Chat;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Forwarding;

/// <summary>The official OpenAI .NET SDK, pointed at the proxy as its endpoint, works as against the upstream itself.</summary>
public abstract class OpenAiSdkTests(ProxyFixture fixture)
{
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
    public async Task UpstreamError_ThroughSdk_ShowsTheUpstreamStatusAndMessage()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(
            () => ChatClient("fail-403").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(403, error.Status);
        Assert.Contains(FakeUpstream.ErrorMessage("aimlapi", 403), error.Message, StringComparison.Ordinal);
    }
}

[Collection(OnStandaloneHost.Name)]
public sealed class OpenAiSdkTestsOnStandaloneHost(StandaloneHostFixture fixture) : OpenAiSdkTests(fixture);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
public sealed class OpenAiSdkTestsOnFunctionsHost(FunctionsHostFixture fixture) : OpenAiSdkTests(fixture);
