using System.Text.Json;

namespace Proxy.Failures;

/// <summary>
/// Passes a server-sent event stream to the client byte for byte, flushes as it is told, and watches the lines
/// going by for an error event (<c>event: error</c>, or a <c>data:</c> line whose JSON has a top-level
/// <c>error</c>): such a stream has a 200 status line, yet it failed. Only the current line is held, up to a bound.
/// </summary>
internal sealed class SseErrorDetectingStream(Stream inner, Action<string?> onError) : Stream
{
    private const int MaxLineLength = 16 * 1024;

    private readonly byte[] _line = new byte[MaxLineLength];
    private int _lineLength;
    private bool _lineOverflowed;
    private bool _reported;

    public long BytesWritten { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Watch(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Watch(buffer);
        inner.Write(buffer);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Watch(ReadOnlySpan<byte> bytes)
    {
        BytesWritten += bytes.Length;
        if (_reported)
        {
            return;
        }

        foreach (var b in bytes)
        {
            if (b == (byte)'\n')
            {
                if (!_lineOverflowed)
                {
                    Inspect(_line.AsSpan(0, _lineLength).TrimEnd((byte)'\r'));
                }

                _lineLength = 0;
                _lineOverflowed = false;
            }
            else if (_lineLength < _line.Length)
            {
                _line[_lineLength++] = b;
            }
            else
            {
                _lineOverflowed = true;
            }

            if (_reported)
            {
                return;
            }
        }
    }

    private void Inspect(ReadOnlySpan<byte> line)
    {
        if (line.StartsWith("event:"u8) && line["event:".Length..].Trim((byte)' ').SequenceEqual("error"u8))
        {
            Report(null);
        }
        else if (line.StartsWith("data:"u8) && line.IndexOf("\"error\""u8) >= 0)
        {
            var data = line["data:".Length..].TrimStart((byte)' ');
            if (IsErrorObject(data, out var message))
            {
                Report(message);
            }
        }
    }

    private void Report(string? message)
    {
        _reported = true;
        onError(message);
    }

    /// <summary>Whether <paramref name="data"/> is a JSON object with a top-level <c>error</c>, and that error's message.</summary>
    private static bool IsErrorObject(ReadOnlySpan<byte> data, out string? message)
    {
        message = null;
        try
        {
            var reader = new Utf8JsonReader(data);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("error", out var error))
            {
                return false;
            }

            message = error.ValueKind switch
            {
                JsonValueKind.Object when error.TryGetProperty("message", out var inner) && inner.ValueKind == JsonValueKind.String => inner.GetString(),
                JsonValueKind.String => error.GetString(),
                _ => null,
            };
            message = message is { Length: > Errors.UpstreamErrorParser.MaxMessageLength } ? message[..Errors.UpstreamErrorParser.MaxMessageLength] : message;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
