using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Text.Json;
using Proxy.Errors;
using Proxy.Forwarding;
using Proxy.Usage;

namespace Proxy.Failures;

/// <summary>
/// Passes a server-sent event stream to the client byte for byte, flushes as it is told, and watches the lines
/// going by for an error event (<c>event: error</c>, or a <c>data:</c> line whose JSON has a top-level
/// <c>error</c> that is not null): such a stream has a 200 status line, yet it failed. It also hands each event's
/// <c>usage</c> on (the last one that carries it wins), after an error event too. Only the current line is held, up to a
/// bound; a longer one is searched for its usage a window at a time, and not for an error.
/// </summary>
/// <remarks>
/// Lines end with CRLF, LF or CR alone, as the SSE specification allows (HTML, "Parsing an event stream"). A stream the
/// upstream compressed (the client's <c>Accept-Encoding</c> goes upstream) is passed on compressed and decompressed
/// only for watching, on a task of its own fed through a pipe, so that the copy to the client never waits for it
/// longer than the pipe's back-pressure. Whatever is found is reported on the copying side, never from that task.
/// </remarks>
internal sealed class SseErrorDetectingStream : WatchedResponseBody
{
    private const int MaxLineLength = 16 * 1024;

    // Of a longer line, what each window keeps of the last: more than a usage object takes.
    private const int LongLineOverlap = 4096;

    private readonly Action<string?> _onError;
    private readonly Action<TokenUsage>? _onUsage;
    private readonly byte[] _line = new byte[MaxLineLength];
    private readonly Pipe? _compressed;
    private readonly Task _decoding = Task.CompletedTask;
    private int _lineLength;
    private TokenUsage? _longLineUsage;
    private bool _lineOverflowed;
    private bool _afterCarriageReturn;
    private volatile bool _found;
    private string? _foundMessage;
    private bool _feeding;
    private bool _reported;
    private readonly bool _unwatched;
    private bool _completed;

    public SseErrorDetectingStream(Stream inner, string? contentEncoding, Action<string?> onError, Action<TokenUsage>? onUsage = null)
        : base(inner)
    {
        _onError = onError;
        _onUsage = onUsage;
        if (contentEncoding is not null && !contentEncoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            // An encoding the proxy cannot decode (zstd, say) passes through unwatched: nothing is read into it.
            if (IsDecodable(contentEncoding))
            {
                _compressed = new Pipe();
                _feeding = true;
                _decoding = Task.Run(() => DecodeAsync(contentEncoding));
            }
            else
            {
                _unwatched = true;
            }
        }
    }

    protected override async ValueTask AfterWriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_feeding)
        {
            var result = await _compressed!.Writer.WriteAsync(buffer, cancellationToken);
            _feeding = !result.IsCompleted;
        }
    }

    protected override void AfterWrite(ReadOnlySpan<byte> buffer)
    {
        if (_feeding)
        {
            _compressed!.Writer.Write(buffer);
            _feeding = !_compressed.Writer.FlushAsync().AsTask().GetAwaiter().GetResult().IsCompleted;
        }
    }

    /// <summary>The whole body has gone by: a compressed stream's last bytes are read, and what they held is reported.</summary>
    public async Task CompleteAsync()
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        if (_compressed is not null)
        {
            await _compressed.Writer.CompleteAsync();
            await _decoding;
        }

        ReportIfFound();
    }

    /// <summary>Also when the copy failed half-way: the decoding task ends, and an error event already seen is still reported.</summary>
    public override async ValueTask DisposeAsync()
    {
        await CompleteAsync();
        await base.DisposeAsync();
    }

    private static bool IsDecodable(string encoding) =>
        encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase)
        || encoding.Equals("deflate", StringComparison.OrdinalIgnoreCase)
        || encoding.Equals("br", StringComparison.OrdinalIgnoreCase);

    private static Stream Decompressor(string encoding, Stream compressed) => encoding.ToLowerInvariant() switch
    {
        "gzip" => new GZipStream(compressed, CompressionMode.Decompress),
        "deflate" => new ZLibStream(compressed, CompressionMode.Decompress),
        _ => new BrotliStream(compressed, CompressionMode.Decompress),
    };

    /// <summary>An uncompressed stream is watched here, on the copying side.</summary>
    protected override void Observe(ReadOnlySpan<byte> bytes)
    {
        if (_compressed is null && !_unwatched)
        {
            Watch(bytes);
        }

        ReportIfFound();
    }

    private async Task DecodeAsync(string encoding)
    {
        var reader = _compressed!.Reader;
        try
        {
            await using var decoded = Decompressor(encoding, reader.AsStream(leaveOpen: true));
            var buffer = new byte[4096];
            int read;
            while ((read = await decoded.ReadAsync(buffer)) > 0)
            {
                Watch(buffer.AsSpan(0, read));
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // Not what its Content-Encoding says: it still reaches the client as it came, only unwatched from here.
        }
        finally
        {
            // The writer sees a completed reader and stops feeding, so that a finished watch never holds up the copy.
            await reader.CompleteAsync();
        }
    }

    private void Watch(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b == (byte)'\n' && _afterCarriageReturn)
            {
                // The LF of a CRLF: that line has already ended.
                _afterCarriageReturn = false;
                continue;
            }

            _afterCarriageReturn = b == (byte)'\r';
            if (b is (byte)'\n' or (byte)'\r')
            {
                if (!_lineOverflowed)
                {
                    Inspect(_line.AsSpan(0, _lineLength));
                }
                else if (_onUsage is not null && (TokenUsage.TryFind(_line.AsSpan(0, _lineLength), out var usage) ? usage : _longLineUsage) is { } lineUsage)
                {
                    _onUsage(lineUsage);
                }

                _lineLength = 0;
                _lineOverflowed = false;
                _longLineUsage = null;
            }
            else if (_lineLength < _line.Length)
            {
                _line[_lineLength++] = b;
            }
            else
            {
                // A line too long to hold whole (the Responses API's response.completed carries the whole answer): it is
                // searched for its usage a window at a time, each window overlapping the last by more than a usage object.
                if (_onUsage is not null && TokenUsage.TryFind(_line, out var found))
                {
                    _longLineUsage = found;
                }

                _line.AsSpan(_lineLength - LongLineOverlap, LongLineOverlap).CopyTo(_line);
                _lineLength = LongLineOverlap;
                _line[_lineLength++] = b;
                _lineOverflowed = true;
            }
        }
    }

    private void Inspect(ReadOnlySpan<byte> line)
    {
        if (!_found && line.StartsWith("event:"u8) && line["event:".Length..].Trim((byte)' ').SequenceEqual("error"u8))
        {
            Found(null);
        }
        else if (line.StartsWith("data:"u8))
        {
            var data = line["data:".Length..].TrimStart((byte)' ');
            if (!_found && data.IndexOf("\"error\""u8) >= 0 && IsErrorObject(data, out var message))
            {
                Found(message);
            }
            else if (_onUsage is not null && TokenUsage.TryFind(data, out var usage))
            {
                // On the decoding task for a compressed stream: read by the handler only once CompleteAsync has awaited it.
                _onUsage(usage);
            }
        }
    }

    private void Found(string? message)
    {
        _foundMessage = message;
        _found = true;
    }

    private void ReportIfFound()
    {
        if (_found && !_reported)
        {
            _reported = true;
            _onError(_foundMessage);
        }
    }

    /// <summary>Whether <paramref name="data"/> is a JSON object with a top-level <c>error</c>, and that error's message.</summary>
    private static bool IsErrorObject(ReadOnlySpan<byte> data, out string? message)
    {
        message = null;
        try
        {
            var reader = new Utf8JsonReader(data);
            using var document = JsonDocument.ParseValue(ref reader);
            // "error": null (or false) is a field some upstreams send on every chunk: no error.
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("error", out var error)
                || error.ValueKind is JsonValueKind.Null or JsonValueKind.False)
            {
                return false;
            }

            // The caller bounds and redacts the message before it goes into a record.
            message = error.ValueKind switch
            {
                JsonValueKind.Object when error.TryGetProperty("message", out var inner) && inner.ValueKind == JsonValueKind.String => JsonStringText.Of(inner),
                JsonValueKind.String => JsonStringText.Of(error),
                _ => null,
            };
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
