using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpenAI;
using OpenAI.Chat;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.AccessLog;

/// <summary>
/// With <c>Logging__Console__FormatterName=json</c> every line is a JSON object a log shipper can take: a UTC ISO 8601
/// timestamp, and the access and failure lines' values as fields of <c>State</c>, null where a value is absent (the
/// text of <c>Message</c> shows <c>-</c>).
/// </summary>
public sealed partial class JsonConsoleFormatTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    [Fact]
    public async Task JsonFormat_AccessAndFailureLinesCarryTheirValuesAsFields_NullWhereAbsent()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Logging__Console__FormatterName", "json"));
        var model = "gpt-json-" + Guid.NewGuid().ToString("N")[..8];
        var chat = new ChatClient(model, new ApiKeyCredential(ProxyFixture.ClientKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(proxy.BaseAddress, "/v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
        await chat.CompleteChatAsync([new UserChatMessage("Say hello.")]);
        using var anonymous = ProxyFixture.ClientFor(proxy, withKey: false);
        using var refused = await anonymous.GetAsync("/v1/models");
        var refusedId = Assert.Single(refused.Headers.GetValues("x-request-id"));

        await LogLines.WaitForAsync(proxy, "\"EventId\":1200", refusedId);
        await LogLines.WaitForAsync(proxy, "\"EventId\":4000", refusedId);
        var entries = proxy.Output.Select(line => JsonDocument.Parse(line).RootElement).ToList();

        Assert.All(entries, entry => Assert.Matches(IsoUtc(), entry.GetProperty("Timestamp").GetString()!));
        var success = Assert.Single(entries, entry => Is(entry, 1200) && entry.GetProperty("State").GetProperty("Model").GetString() == model).GetProperty("State");
        Assert.Equal("POST", success.GetProperty("Method").GetString());
        Assert.Equal("/v1/chat/completions", success.GetProperty("Path").GetString());
        Assert.Equal(200, success.GetProperty("StatusCode").GetInt32());
        Assert.True(success.GetProperty("DurationMs").GetInt64() >= 0);
        Assert.Equal(LogLines.KeyIdOf(ProxyFixture.ClientKey), success.GetProperty("KeyId").GetString());
        Assert.Equal("free", success.GetProperty("Tier").GetString());
        Assert.Equal(200, success.GetProperty("UpstreamStatusCode").GetInt32());
        Assert.Matches("^[0-9a-f-]{36}$", success.GetProperty("RequestId").GetString()!);

        var refusedAccess = Assert.Single(entries, entry => Is(entry, 1200) && entry.GetProperty("State").GetProperty("RequestId").GetString() == refusedId);
        var refusedFailure = Assert.Single(entries, entry => Is(entry, 4000) && entry.GetProperty("State").GetProperty("RequestId").GetString() == refusedId);
        foreach (var (entry, absent) in new[] { (refusedAccess, "KeyId Tier Model UpstreamStatusCode"), (refusedFailure, "KeyId Tier Model UpstreamStatusCode UpstreamRequestId") })
        {
            foreach (var field in absent.Split(' '))
            {
                Assert.Equal(JsonValueKind.Null, entry.GetProperty("State").GetProperty(field).ValueKind);
            }
        }

        Assert.Equal(401, refusedAccess.GetProperty("State").GetProperty("StatusCode").GetInt32());
        Assert.EndsWith("key - tier - model -; upstream -", refusedAccess.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(proxy.Output, line => line.Contains(ProxyFixture.ClientKey, StringComparison.Ordinal));
    }

    private static bool Is(JsonElement entry, int eventId) => entry.GetProperty("EventId").GetInt32() == eventId;

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex IsoUtc();
}
