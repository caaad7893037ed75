using System.Text;
using System.Text.Json;

namespace Proxy.Errors;

/// <summary>
/// Reads an upstream error body in any of the shapes the AI/ML API and OpenAI-compatible services send:
/// <c>{statusCode, message, path, requestId, timestamp}</c>, <c>{status, title, message, error: {name, message}}</c>,
/// OpenAI's <c>{error: {message, type, code}}</c>, or plain text.
/// </summary>
public static class UpstreamErrorParser
{
    /// <summary>Longest message kept from an upstream body; the rest of a runaway text is cut.</summary>
    public const int MaxMessageLength = 2000;

    public static UpstreamErrorDetails Parse(ReadOnlySpan<byte> body)
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
        return new UpstreamErrorDetails(Truncate(message), type, code, requestId);
    }

    private static UpstreamErrorDetails FromText(ReadOnlySpan<byte> body)
    {
        var text = Encoding.UTF8.GetString(body).Trim();
        return new UpstreamErrorDetails(text.Length == 0 ? null : Truncate(text), null, null, null);
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
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.Array => string.Join("; ", value.EnumerateArray()
                .Where(item => item.ValueKind == JsonValueKind.String)
                .Select(item => item.GetString())),
            _ => null,
        };
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    private static string? Truncate(string? text) =>
        text is { Length: > MaxMessageLength } ? text[..MaxMessageLength] : text;
}
