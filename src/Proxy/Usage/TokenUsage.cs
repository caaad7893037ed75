using System.Text.Json;

namespace Proxy.Usage;

/// <summary>
/// The <c>usage</c> object of an OpenAI-compatible answer (<c>{"prompt_tokens": …, "completion_tokens": …}</c>), read from
/// a slice of it with <see cref="Utf8JsonReader"/>: the end of a JSON body, or one event's <c>data:</c>.
/// </summary>
internal readonly record struct TokenUsage(long PromptTokens, long CompletionTokens)
{
    private static ReadOnlySpan<byte> UsageName => "\"usage\""u8;

    /// <summary>
    /// The last <c>"usage": {…}</c> in <paramref name="json"/> that reads as a whole object; <c>"usage": null</c> (what
    /// streams send in every chunk but the last) and a cut-off object are no usage. A <c>"usage"</c> inside a string has
    /// its quotes escaped and is skipped.
    /// </summary>
    public static bool TryFind(ReadOnlySpan<byte> json, out TokenUsage usage)
    {
        usage = default;
        var end = json.Length;
        while (end > 0)
        {
            var at = json[..end].LastIndexOf(UsageName);
            if (at < 0)
            {
                return false;
            }

            end = at;
            if (at > 0 && json[at - 1] == (byte)'\\')
            {
                continue;
            }

            var rest = json[(at + UsageName.Length)..].TrimStart(" \t\r\n"u8);
            if (rest.IsEmpty || rest[0] != (byte)':')
            {
                continue;
            }

            rest = rest[1..].TrimStart(" \t\r\n"u8);
            if (!rest.IsEmpty && rest[0] == (byte)'{' && TryReadObject(rest, out usage))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryReadObject(ReadOnlySpan<byte> json, out TokenUsage usage)
    {
        usage = default;
        long prompt = 0, completion = 0;
        try
        {
            var reader = new Utf8JsonReader(json, isFinalBlock: false, state: default);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0)
                {
                    usage = new TokenUsage(prompt, completion);
                    return true;
                }

                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                var isPrompt = reader.ValueTextEquals("prompt_tokens"u8);
                var isCompletion = !isPrompt && reader.ValueTextEquals("completion_tokens"u8);
                if (!reader.Read())
                {
                    return false;
                }

                if ((isPrompt || isCompletion) && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var count) && count >= 0)
                {
                    (prompt, completion) = isPrompt ? (count, completion) : (prompt, count);
                }
                else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                {
                    return false;
                }
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
