using System.Buffers;
using System.Text.Json;
using Proxy.Forwarding;

namespace Proxy.Tokens;

/// <summary>
/// Takes out of a chat or completions stream the usage the proxy asked for on the client's behalf
/// (<see cref="IncludeUsageRewriter"/>), so that the client gets the stream it asked for: the usage chunk (a
/// <c>data:</c> object with a <c>usage</c> and empty or no <c>choices</c>) is dropped whole, with the blank line that ends
/// its event, and every other chunk loses its top-level <c>usage</c> (<c>null</c> in all but the last, as OpenAI sends
/// them). Everything else passes byte for byte; a chunk that loses its <c>usage</c> keeps its other fields as they came,
/// only the whitespace between them dropped. Whoever reads the usage watches the stream before this filter.
/// </summary>
/// <remarks>
/// Only the current line is held, up to <see cref="MaxLineLength"/> bytes: a longer one passes as it comes, unfiltered.
/// Lines end with CRLF, LF or CR alone, as the SSE specification allows. <see cref="CompleteAsync"/> writes a last line
/// that has no end.
/// </remarks>
internal sealed class UnrequestedUsageFilter(Stream inner) : WriteOnlyStream
{
    public const int MaxLineLength = 64 * 1024;

    private readonly ArrayBufferWriter<byte> _rewritten = new();
    private byte[]? _line;
    private int _lineLength;
    private bool _passing;
    private bool _afterCarriageReturn;
    private bool _droppedLast;
    private bool _dropBlankLine;

    /// <summary>Bytes passed to the client so far.</summary>
    public long BytesWritten { get; private set; }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var start = 0;
        while (start < buffer.Length)
        {
            if (_afterCarriageReturn)
            {
                // The LF of a CRLF goes (or is dropped) with its line.
                _afterCarriageReturn = false;
                if (buffer.Span[start] == (byte)'\n')
                {
                    if (!_droppedLast)
                    {
                        await PassAsync(buffer.Slice(start, 1), cancellationToken);
                    }

                    start++;
                    continue;
                }
            }

            var end = buffer.Span[start..].IndexOfAny((byte)'\r', (byte)'\n');
            if (_passing)
            {
                var through = end < 0 ? buffer.Length - start : end + 1;
                await PassAsync(buffer.Slice(start, through), cancellationToken);
                if (end >= 0)
                {
                    (_passing, _droppedLast, _dropBlankLine) = (false, false, false);
                    _afterCarriageReturn = buffer.Span[start + end] == (byte)'\r';
                }

                start += through;
                continue;
            }

            if (end < 0)
            {
                await HoldAsync(buffer[start..], cancellationToken);
                return;
            }

            var line = buffer.Slice(start, end);
            if (_lineLength > 0)
            {
                await HoldAsync(line, cancellationToken);
                if (_passing)
                {
                    // The line grew too long and went out unfiltered: its end goes the same way.
                    await PassAsync(buffer.Slice(start + end, 1), cancellationToken);
                    (_passing, _droppedLast, _dropBlankLine) = (false, false, false);
                    _afterCarriageReturn = buffer.Span[start + end] == (byte)'\r';
                    start += end + 1;
                    continue;
                }

                line = _line.AsMemory(0, _lineLength);
            }

            await EmitAsync(line, buffer.Slice(start + end, 1), cancellationToken);
            _lineLength = 0;
            _afterCarriageReturn = buffer.Span[start + end] == (byte)'\r';
            start += end + 1;
        }
    }

    /// <summary>The stream is over: a last line without an end is passed as it was.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_lineLength > 0)
        {
            await PassAsync(_line.AsMemory(0, _lineLength), cancellationToken);
            _lineLength = 0;
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _line is { } line)
        {
            _line = null;
            ArrayPool<byte>.Shared.Return(line);
        }

        base.Dispose(disposing);
    }

    private async ValueTask HoldAsync(ReadOnlyMemory<byte> part, CancellationToken cancellationToken)
    {
        if (_lineLength + part.Length > MaxLineLength)
        {
            if (_lineLength > 0)
            {
                await PassAsync(_line.AsMemory(0, _lineLength), cancellationToken);
                _lineLength = 0;
            }

            await PassAsync(part, cancellationToken);
            _passing = true;
            return;
        }

        _line ??= ArrayPool<byte>.Shared.Rent(MaxLineLength);
        part.Span.CopyTo(_line.AsSpan(_lineLength));
        _lineLength += part.Length;
    }

    private async ValueTask EmitAsync(ReadOnlyMemory<byte> line, ReadOnlyMemory<byte> terminator, CancellationToken cancellationToken)
    {
        if (line.IsEmpty)
        {
            var drop = _dropBlankLine;
            (_dropBlankLine, _droppedLast) = (false, drop);
            if (!drop)
            {
                await PassAsync(terminator, cancellationToken);
            }

            return;
        }

        _dropBlankLine = false;
        _droppedLast = false;
        switch (Filter(line.Span))
        {
            case LineFilter.Drop:
                (_dropBlankLine, _droppedLast) = (true, true);
                return;
            case LineFilter.Rewritten:
                await PassAsync(_rewritten.WrittenMemory, cancellationToken);
                break;
            default:
                await PassAsync(line, cancellationToken);
                break;
        }

        await PassAsync(terminator, cancellationToken);
    }

    private ValueTask PassAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        BytesWritten += bytes.Length;
        return inner.WriteAsync(bytes, cancellationToken);
    }

    /// <summary>What becomes of <paramref name="line"/>: dropped, rewritten into <see cref="_rewritten"/> without its usage, or kept.</summary>
    private LineFilter Filter(ReadOnlySpan<byte> line)
    {
        if (!line.StartsWith("data:"u8))
        {
            return LineFilter.Keep;
        }

        var prefixLength = "data:".Length + (line.Length > 5 && line[5] == (byte)' ' ? 1 : 0);
        var json = line[prefixLength..];
        if (json.IsEmpty || json[0] != (byte)'{' || json.IndexOf("\"usage\""u8) < 0)
        {
            return LineFilter.Keep;
        }

        try
        {
            var reader = new Utf8JsonReader(json);
            reader.Read();
            var hasUsage = false;
            var choices = -1;
            var kept = new List<Range>();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var start = (int)reader.TokenStartIndex;
                var isUsage = reader.ValueTextEquals("usage"u8);
                var isChoices = reader.ValueTextEquals("choices"u8);
                reader.Read();
                var valueStart = (int)reader.TokenStartIndex;
                reader.Skip();
                var end = (int)reader.BytesConsumed;
                if (isChoices)
                {
                    choices = IsEmptyArray(json[valueStart..end]) ? 0 : 1;
                }

                hasUsage |= isUsage;
                if (!isUsage)
                {
                    kept.Add(start..end);
                }
            }

            if (!hasUsage || reader.TokenType != JsonTokenType.EndObject)
            {
                return LineFilter.Keep;
            }

            if (choices <= 0)
            {
                return LineFilter.Drop;
            }

            _rewritten.ResetWrittenCount();
            _rewritten.Write(line[..prefixLength]);
            _rewritten.Write("{"u8);
            for (var i = 0; i < kept.Count; i++)
            {
                if (i > 0)
                {
                    _rewritten.Write(","u8);
                }

                _rewritten.Write(json[kept[i]]);
            }

            _rewritten.Write("}"u8);
            return LineFilter.Rewritten;
        }
        catch (JsonException)
        {
            return LineFilter.Keep;
        }
    }

    private static bool IsEmptyArray(ReadOnlySpan<byte> value) =>
        value.Length >= 2 && value[0] == (byte)'[' && value[^1] == (byte)']' && value[1..^1].Trim(" \t\r\n"u8).IsEmpty;

    private enum LineFilter
    {
        Keep,
        Drop,
        Rewritten,
    }
}
