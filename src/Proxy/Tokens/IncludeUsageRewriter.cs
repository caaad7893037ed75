using System.Buffers;
using System.Text.Json;

namespace Proxy.Tokens;

/// <summary>
/// Asks the upstream for a stream's usage on the client's behalf: sets <c>stream_options.include_usage</c> to true in a
/// chat or completions request body, changing nothing else of it. With no <c>stream_options</c>, one is added as the
/// object's first property; otherwise the last one (the one the upstream's parser keeps) gets <c>include_usage: true</c>
/// in place of any it had, its other options kept byte for byte.
/// </summary>
internal static class IncludeUsageRewriter
{
    private static ReadOnlySpan<byte> AddedProperty => "\"stream_options\":{\"include_usage\":true}"u8;

    private static ReadOnlySpan<byte> IncludeUsage => "\"include_usage\":true"u8;

    /// <summary>Both reads of a body allow the same depth: options the first read found must not be too deep for the second.</summary>
    private static readonly JsonReaderOptions s_readerOptions = new() { MaxDepth = 256 };

    /// <summary>The rewritten body, written to <paramref name="output"/>; false (nothing written) when <paramref name="json"/> is not a JSON object.</summary>
    public static bool TryRewrite(ReadOnlySpan<byte> json, IBufferWriter<byte> output)
    {
        if (!TryFindLastStreamOptions(json, out var objectStart, out var options))
        {
            return false;
        }

        if (options is not { } value)
        {
            // {  →  {"stream_options":{"include_usage":true},  (the object has "stream", so never is empty)
            output.Write(json[..(objectStart + 1)]);
            output.Write(AddedProperty);
            output.Write(","u8);
            output.Write(json[(objectStart + 1)..]);
            return true;
        }

        output.Write(json[..value.Start]);
        if (json[value.Start] == (byte)'{')
        {
            WriteOptions(json[value.Start..value.End], output);
        }
        else
        {
            // Not an object (null, say): replaced by one.
            output.Write("{"u8);
            output.Write(IncludeUsage);
            output.Write("}"u8);
        }

        output.Write(json[value.End..]);
        return true;
    }

    /// <summary>Where the top-level object starts, and the value range of its last <c>stream_options</c>, if any.</summary>
    private static bool TryFindLastStreamOptions(ReadOnlySpan<byte> json, out int objectStart, out Range? options)
    {
        objectStart = -1;
        options = null;
        try
        {
            var reader = new Utf8JsonReader(json, s_readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            objectStart = (int)reader.TokenStartIndex;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isOptions = reader.ValueTextEquals("stream_options"u8);
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                if (isOptions)
                {
                    options = start..(int)reader.BytesConsumed;
                }
            }

            return reader.TokenType == JsonTokenType.EndObject && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The options object <paramref name="options"/> with <c>include_usage: true</c> first and its other properties as they were.</summary>
    private static void WriteOptions(ReadOnlySpan<byte> options, IBufferWriter<byte> output)
    {
        output.Write("{"u8);
        output.Write(IncludeUsage);
        var reader = new Utf8JsonReader(options, s_readerOptions);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var start = (int)reader.TokenStartIndex;
            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            reader.Skip();
            if (!isIncludeUsage)
            {
                output.Write(","u8);
                output.Write(options[start..(int)reader.BytesConsumed]);
            }
        }

        output.Write("}"u8);
    }
}
