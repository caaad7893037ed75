using System.Text.Json;

namespace Proxy.Usage;

/// <summary>
/// The <c>usage</c> object of an OpenAI-compatible answer (<c>{"prompt_tokens": …, "completion_tokens": …}</c>, or the
/// Responses API's <c>{"input_tokens": …, "output_tokens": …}</c>), read from a slice of it with
/// <see cref="Utf8JsonReader"/>: the end of a JSON body, or one event's <c>data:</c>.
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

    /// <summary>
    /// Reads one usage object: <c>prompt_tokens</c> or <c>input_tokens</c> (the Responses API's, and audio's), and
    /// <c>completion_tokens</c> or <c>output_tokens</c>, the larger where both are given; a <c>total_tokens</c> above their
    /// sum adds the difference to the completion, so that no count the upstream reports is charged less. A count past the
    /// range of <see cref="long"/> is its largest value; one that is negative or not a number counts nothing.
    /// </summary>
    private static bool TryReadObject(ReadOnlySpan<byte> json, out TokenUsage usage)
    {
        usage = default;
        long prompt = 0, completion = 0, total = 0;
        var found = false;
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
                    var sum = long.CreateSaturating((Int128)prompt + completion);
                    usage = new TokenUsage(prompt, total > sum ? long.CreateSaturating((Int128)completion + total - sum) : completion);
                    return found;
                }

                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                var field = reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8) ? 0
                    : reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8) ? 1
                    : reader.ValueTextEquals("total_tokens"u8) ? 2
                    : -1;
                if (!reader.Read())
                {
                    return false;
                }

                if (field >= 0 && Count(ref reader) is { } count)
                {
                    found = true;
                    switch (field)
                    {
                        case 0: prompt = Math.Max(prompt, count); break;
                        case 1: completion = Math.Max(completion, count); break;
                        default: total = Math.Max(total, count); break;
                    }
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

    /// <summary>A token count: a whole number of 0 or more, saturated at <see cref="long.MaxValue"/>; null for anything else.</summary>
    private static long? Count(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            return null;
        }

        if (reader.TryGetInt64(out var count))
        {
            return count >= 0 ? count : null;
        }

        return reader.TryGetDouble(out var value) && value >= 0 ? long.CreateSaturating(value) : null;
    }
}
