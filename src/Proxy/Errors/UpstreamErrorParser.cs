using System.Text;
using System.Text.Json;
using Proxy.Forwarding;

namespace Proxy.Errors;

/// <summary>
/// Reads an upstream error body in any of the shapes the AI/ML API and OpenAI-compatible services send:
/// <c>{statusCode, message, path, requestId, timestamp}</c>, <c>{status, title, message, error: {name, message}}</c>,
/// OpenAI's <c>{error: {message, type, code}}</c>, or plain text.
/// </summary>
public static class UpstreamErrorParser
{
    /// <summary>
    /// Longest message kept from an upstream body, in UTF-8 bytes once JSON-escaped as the error body writes it (it goes
    /// there twice, as <c>message</c> and <c>error.message</c>); the rest of a runaway text is cut.
    /// </summary>
    public const int MaxMessageLength = 2048;

    /// <summary>Longest <c>error.type</c> kept, measured as <see cref="MaxMessageLength"/> is.</summary>
    public const int MaxTypeLength = 128;

    /// <summary>Longest <c>error.code</c> kept, measured as <see cref="MaxMessageLength"/> is.</summary>
    public const int MaxCodeLength = 128;

    /// <summary>Longest request id kept, in visible ASCII characters: well under any HTTP client's header limit.</summary>
    public const int MaxRequestIdLength = 128;

    public static UpstreamErrorDetails Parse(ReadOnlySpan<byte> body) => Parse(body, CredentialRedactor.None);

    /// <summary>What the body says, each value redacted of <paramref name="redactor"/>'s credentials and bounded.</summary>
    internal static UpstreamErrorDetails Parse(ReadOnlySpan<byte> body, CredentialRedactor redactor)
    {
        var details = ParseUnbounded(body);
        return new UpstreamErrorDetails(
            UpstreamText.ForJson(details.Message, MaxMessageLength, redactor),
            UpstreamText.ForJson(details.Type, MaxTypeLength, redactor),
            UpstreamText.ForJson(details.Code, MaxCodeLength, redactor),
            UpstreamText.RequestId(details.RequestId, Encoding.UTF8, redactor));
    }

    private static UpstreamErrorDetails ParseUnbounded(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return UpstreamErrorDetails.Empty;
        }

        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? FromObject(document.RootElement)
                : FromText(body);
        }
        catch (JsonException)
        {
            return FromText(body);
        }
    }

    private static UpstreamErrorDetails FromObject(JsonElement root)
    {
        string? message = null, type = null, code = null;

        // OpenAI's shape, and the inner object of the newer AI/ML API shape.
        if (root.TryGetProperty("error", out var error))
        {
            if (error.ValueKind == JsonValueKind.Object)
            {
                message = Text(error, "message");
                type = Text(error, "type");
                code = Text(error, "code");
            }
            else
            {
                message = Text(root, "error");
            }
        }

        // The documented AI/ML API shape keeps the message at the top level, which wins when present
        // because it is the one that service shows its own users.
        message = Text(root, "message") ?? message ?? Text(root, "title") ?? Text(root, "detail");
        var requestId = Text(root, "requestId") ?? Text(root, "request_id");
        return new UpstreamErrorDetails(message, type, code, requestId);
    }

    private static UpstreamErrorDetails FromText(ReadOnlySpan<byte> body)
    {
        var text = Encoding.UTF8.GetString(body).Trim();
        return new UpstreamErrorDetails(text.Length == 0 ? null : text, null, null, null);
    }

    /// <summary>A string, a number, or an array of strings (NestJS validation errors) as one text.</summary>
    private static string? Text(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            return null;
        }

        var text = value.ValueKind switch
        {
            JsonValueKind.String => JsonStringText.Of(value),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.Array => string.Join("; ", value.EnumerateArray()
                .Where(item => item.ValueKind == JsonValueKind.String)
                .Select(JsonStringText.Of)),
            _ => null,
        };
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }
}
