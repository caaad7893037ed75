using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Proxy.Tests.Infrastructure;

/// <summary>Checks an error response against the contract, field by field.</summary>
internal static partial class ErrorBodyAssert
{
    /// <summary>Things that must never reach a client: keys, stack traces, exception types, internal names.</summary>
    private static readonly string[] s_forbidden =
    [
        ProxyFixture.ClientKey, ProxyFixture.UpstreamKey, "Exception", "   at ", "AccountKey", "UseDevelopmentStorage", "Yarp", "System.",
    ];

    public static async Task<JsonElement> MatchesAsync(HttpResponseMessage response, int statusCode, string path, string messageStart)
    {
        var body = await response.Content.ReadAsStringAsync();
        var requestId = Assert.Single(response.Headers.GetValues("x-request-id"));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return Matches((int)response.StatusCode, requestId, body, statusCode, path, messageStart);
    }

    public static JsonElement Matches(RawHttpResponse response, int statusCode, string path, string messageStart)
    {
        Assert.StartsWith("application/json", response.Headers["Content-Type"], StringComparison.Ordinal);
        return Matches(response.StatusCode, response.Headers["x-request-id"], response.Body, statusCode, path, messageStart);
    }

    public static JsonElement Matches(int actualStatus, string requestIdHeader, string body, int statusCode, string path, string messageStart)
    {
        Assert.Equal(statusCode, actualStatus);
        foreach (var forbidden in s_forbidden)
        {
            Assert.DoesNotContain(forbidden, body, StringComparison.Ordinal);
        }

        using var document = JsonDocument.Parse(body);
        var root = document.RootElement.Clone();

        var message = root.GetProperty("message").GetString();
        Assert.NotNull(message);
        Assert.StartsWith(messageStart, message, StringComparison.Ordinal);
        Assert.Equal(path, root.GetProperty("path").GetString());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("statusCode").ValueKind);
        Assert.Equal(statusCode, root.GetProperty("statusCode").GetInt32());

        var requestId = root.GetProperty("requestId").GetString();
        Assert.Equal(requestIdHeader, requestId);
        Assert.True(Guid.TryParseExact(requestId, "D", out _), $"requestId '{requestId}' is a UUID");

        var timestamp = root.GetProperty("timestamp").GetString()!;
        Assert.Matches(Timestamp(), timestamp);
        var time = DateTimeOffset.Parse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.InRange(time, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));

        var error = root.GetProperty("error");
        Assert.Equal(message, error.GetProperty("message").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        Assert.True(error.TryGetProperty("code", out var code) && code.ValueKind is JsonValueKind.String or JsonValueKind.Null,
            "the error object has its code, null when there is none");
        return root;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex Timestamp();
}
