using System.Text.Json;
using Proxy.Errors;

namespace Proxy.Failures;

/// <summary>
/// Finds the top-level <c>"model"</c> of a JSON request body in its first bytes, the one part of a body a
/// failure record may carry. Nothing else of the body is kept.
/// </summary>
internal static class ModelSniffer
{
    /// <summary>How much of a body is looked at; OpenAI-style bodies name the model near the start.</summary>
    public const int PrefixLength = 4096;

    public const int MaxModelLength = 200;

    public static string? FromJsonPrefix(ReadOnlySpan<byte> prefix)
    {
        var reader = new Utf8JsonReader(prefix, isFinalBlock: false, state: default);
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("model"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                    {
                        return null;
                    }

                    var model = JsonStringText.Of(ref reader);
                    return model is { Length: > 0 and <= MaxModelLength } ? model : null;
                }

                // Skip nested values whole: a "model" inside messages is not the request's model.
                if (reader.CurrentDepth >= 1 && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                {
                    return null;
                }
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
