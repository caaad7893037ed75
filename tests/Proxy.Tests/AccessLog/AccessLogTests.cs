using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.RegularExpressions;
using OpenAI;
using OpenAI.Chat;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.AccessLog;

/// <summary>
/// Every request gets one access line once its answer is complete, with what an operator looks for (status,
/// duration, key id, tier, model, upstream status), a visible <c>-</c> where a value is absent, and never the query
/// string or a key. The Functions host relays the worker's log lines to its console only some of the time, so there
/// the lines are checked where it shows them.
/// </summary>
public abstract class AccessLogTests(ProxyFixture fixture)
{
    private static readonly string s_keyId = LogLines.KeyIdOf(ProxyFixture.ClientKey);

    [Fact]
    public async Task Completion_LogsOneAccessLineWithKeyTierModelUpstreamStatusAndDuration()
    {
        var model = "gpt-access-" + Guid.NewGuid().ToString("N")[..8];

        ChatCompletion completion = await ChatClient(model).CompleteChatAsync([new UserChatMessage("Say hello.")]);

        Assert.Equal(model, completion.Model);
        var lines = await AccessLinesAsync("model " + model);
        Assert.All(lines, line => Assert.Matches(
            $@"Request [0-9a-f-]{{36}} POST /v1/chat/completions answered 200 in \d+ ms; key {s_keyId} tier free model {model}; upstream 200$",
            line));
        AssertNoKeyInAnyLine();
    }

    [Fact]
    public async Task StreamedCompletion_LogsItsAccessLineWhenTheStreamEnds()
    {
        var model = "gpt-stream-" + Guid.NewGuid().ToString("N")[..8];
        fixture.Upstream.HoldNextStream();
        var updates = 0;
        string? lineWhileStreaming = null;
        var held = TimeSpan.Zero;

        await foreach (var _ in ChatClient(model).CompleteChatStreamingAsync([new UserChatMessage("Say hello slowly.")]))
        {
            if (++updates == 1)
            {
                // The stream is held open a while, long enough for a line written too early to show; the request's duration
                // in the line then contains at least that while, as measured here on the same monotonic clock.
                var holding = System.Diagnostics.Stopwatch.StartNew();
                await Task.Delay(TimeSpan.FromMilliseconds(700));
                lineWhileStreaming = LogLines.Find(fixture.Proxy, "model " + model);
                held = holding.Elapsed;
                fixture.Upstream.ReleaseStream();
            }
        }

        Assert.Null(lineWhileStreaming);
        Assert.All(await AccessLinesAsync("model " + model), line =>
        {
            var match = Regex.Match(line, $@"POST /v1/chat/completions answered 200 in (\d+) ms; key {s_keyId} tier free model {model}; upstream 200$");
            Assert.True(match.Success, line);
            Assert.InRange(long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), (long)held.TotalMilliseconds, 60_000);
        });
    }

    [Fact]
    public async Task RequestWithoutKey_LogsADashForEachAbsentValue_InTheAccessAndTheFailureLine()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy, withKey: false);

        using var response = await client.GetAsync("/v1/models");

        Assert.Equal(401, (int)response.StatusCode);
        var requestId = Assert.Single(response.Headers.GetValues("x-request-id"));
        if (fixture.Kind != ProxyHostKind.Functions)
        {
            await LogLines.WaitForAsync(fixture.Proxy, "Failure unauthorized (401)", requestId);
        }

        var failures = fixture.Proxy.Output.Where(line => line.Contains("Failure unauthorized (401)", StringComparison.Ordinal) && line.Contains(requestId, StringComparison.Ordinal));
        Assert.All(failures, line =>
        {
            Assert.Contains($"request {requestId} GET /v1/models; key - tier - model -; upstream - -; ", line, StringComparison.Ordinal);
            Assert.DoesNotContain("  ", line[line.IndexOf("Failure", StringComparison.Ordinal)..], StringComparison.Ordinal);
        });
        Assert.All(await AccessLinesAsync(requestId), line => Assert.Matches(
            $@"Request {requestId} GET /v1/models answered 401 in \d+ ms; key - tier - model -; upstream -$", line));
    }

    [Fact]
    public async Task QueryString_IsNeverLogged()
    {
        const string Secret = "sk-in-the-query-3f9a1c";
        using var client = ProxyFixture.ClientFor(fixture.Proxy);

        using var response = await client.GetAsync($"/v1/echo?api_key={Secret}");

        Assert.Equal(200, (int)response.StatusCode);
        var requestId = Assert.Single(response.Headers.GetValues("x-request-id"));
        var access = await AccessLinesAsync(requestId);
        Assert.All(access, line => Assert.Contains($"Request {requestId} GET /v1/echo answered 200 in ", line, StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.Proxy.Output, line => line.Contains(Secret, StringComparison.Ordinal));
    }

    /// <summary>The access lines that contain <paramref name="part"/>: waited for where the proxy's own process logs them, as shown under the Functions host.</summary>
    private async Task<List<string>> AccessLinesAsync(string part)
    {
        if (fixture.Kind != ProxyHostKind.Functions)
        {
            await LogLines.WaitForAsync(fixture.Proxy, "[1200]", part);
        }
        else
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        var lines = fixture.Proxy.Output.Where(line => line.Contains(part, StringComparison.Ordinal) && line.Contains("answered", StringComparison.Ordinal)).ToList();
        if (fixture.Kind != ProxyHostKind.Functions)
        {
            Assert.Single(lines);
        }

        return lines;
    }

    private void AssertNoKeyInAnyLine() =>
        Assert.DoesNotContain(fixture.Proxy.Output, line => line.Contains(ProxyFixture.ClientKey, StringComparison.Ordinal));

    private ChatClient ChatClient(string model) => new(
        model,
        new ApiKeyCredential(ProxyFixture.ClientKey),
        new OpenAIClientOptions
        {
            Endpoint = new Uri(fixture.Proxy.BaseAddress, "/v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
}

public sealed class AccessLogTestsInProcess(InProcessFixture fixture) : AccessLogTests(fixture), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class AccessLogTestsOnFunctionsHost(FunctionsHostFixture fixture) : AccessLogTests(fixture);
