using System.Text.Json;

namespace Proxy.Tokens;

/// <summary>
/// What a JSON request body says of its tokens before the call, read in one pass over the whole body: its size with the
/// base64 data URLs of its images and files left out, how many images and files it sends (<see cref="Attachments"/>:
/// every <c>image_url</c>, <c>file_data</c> and <c>file_id</c>), its completion cap, and whether it streams and asked for
/// the stream's usage. Malformed JSON is data like any other: what was read of it
/// before the fault counts, and <see cref="IsObject"/> is false.
/// </summary>
internal readonly record struct TokenRequestFields(
    long TextBytes, int Attachments, long? CompletionCap, bool Streams, bool AsksForUsage, bool IsObject)
{
    // A data URL's payload is base64: an image's tokens depend on its size in pixels, not on its bytes.
    private static ReadOnlySpan<byte> DataUrlStart => "data:"u8;

    private static ReadOnlySpan<byte> Base64Marker => ";base64,"u8;

    /// <summary>
    /// Reads <paramref name="json"/>. The completion cap is the largest of every top-level <c>max_tokens</c>,
    /// <c>max_completion_tokens</c> and <c>max_output_tokens</c> (a duplicate cannot lower it), times the choices asked
    /// (the largest <c>n</c> or <c>best_of</c>); a cap that is not a whole number of 0 or more is none. <c>stream</c> and
    /// <c>stream_options.include_usage</c> are their last occurrences, as the upstream's parser takes them.
    /// </summary>
    public static TokenRequestFields Read(ReadOnlySpan<byte> json)
    {
        var textBytes = (long)json.Length;
        var attachments = 0;
        long? cap = null;
        long choices = 1;
        bool streams = false, asksForUsage = false, isObject = false;

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject when reader.CurrentDepth == 0:
                        isObject = true;
                        break;
                    case JsonTokenType.PropertyName when reader.ValueTextEquals("image_url"u8) || reader.ValueTextEquals("file_data"u8):
                        // An image (by URL or data URL) or a file sent inline: one attachment, its data URL's bytes left out.
                        // Only there: a data URL in a message's text is text, and counts as such.
                        attachments++;
                        textBytes -= DataUrlBytesOfValue(ref reader);
                        break;
                    case JsonTokenType.PropertyName when reader.ValueTextEquals("file_id"u8):
                        attachments++;
                        break;
                    case JsonTokenType.PropertyName when reader.CurrentDepth == 1:
                        ReadTopLevel(ref reader, ref cap, ref choices, ref streams, ref asksForUsage);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            isObject = false;
        }

        return new TokenRequestFields(Math.Max(0, textBytes), attachments, cap is { } completion ? long.CreateSaturating((Int128)completion * choices) : null,
            streams, asksForUsage, isObject);
    }

    private static void ReadTopLevel(ref Utf8JsonReader reader, ref long? cap, ref long choices, ref bool streams, ref bool asksForUsage)
    {
        if (reader.ValueTextEquals("max_tokens"u8) || reader.ValueTextEquals("max_completion_tokens"u8) || reader.ValueTextEquals("max_output_tokens"u8))
        {
            if (reader.Read() && WholeNumber(ref reader) is { } value)
            {
                cap = Math.Max(cap ?? 0, value);
            }
        }
        else if (reader.ValueTextEquals("n"u8) || reader.ValueTextEquals("best_of"u8))
        {
            if (reader.Read() && WholeNumber(ref reader) is { } value)
            {
                choices = Math.Max(choices, value);
            }
        }
        else if (reader.ValueTextEquals("stream"u8))
        {
            streams = reader.Read() && reader.TokenType == JsonTokenType.True;
        }
        else if (reader.ValueTextEquals("stream_options"u8))
        {
            asksForUsage = reader.Read() && reader.TokenType == JsonTokenType.StartObject && IncludesUsage(ref reader);
        }
    }

    /// <summary>
    /// The bytes of the data URLs in the value of the property the reader is at (a string, or an object or array holding
    /// them); leaves the reader at the value's end.
    /// </summary>
    private static long DataUrlBytesOfValue(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            return 0;
        }

        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return reader.TokenType == JsonTokenType.String && IsDataUrl(reader.ValueSpan) ? reader.ValueSpan.Length : 0;
        }

        var depth = reader.CurrentDepth;
        var bytes = 0L;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            bytes += reader.TokenType == JsonTokenType.String && IsDataUrl(reader.ValueSpan) ? reader.ValueSpan.Length : 0;
        }

        return bytes;
    }

    /// <summary>The <c>include_usage</c> of the <c>stream_options</c> object the reader is at the start of (its last occurrence); leaves the reader at its end.</summary>
    private static bool IncludesUsage(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        var includes = false;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("include_usage"u8))
            {
                includes = reader.Read() && reader.TokenType == JsonTokenType.True;
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        return includes;
    }

    /// <summary>A number with no fraction, 0 or more (saturated at <see cref="long.MaxValue"/>); null for anything else.</summary>
    private static long? WholeNumber(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            return null;
        }

        if (reader.TryGetInt64(out var whole))
        {
            return whole >= 0 ? whole : null;
        }

        return reader.TryGetDouble(out var value) && value >= 0 && value == Math.Floor(value) ? long.CreateSaturating(value) : null;
    }

    private static bool IsDataUrl(ReadOnlySpan<byte> value) =>
        value.StartsWith(DataUrlStart) && value[..Math.Min(value.Length, 256)].IndexOf(Base64Marker) > 0;
}
