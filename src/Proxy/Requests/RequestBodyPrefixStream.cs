using System.Buffers;

namespace Proxy.Requests;

/// <summary>
/// Passes a request body through unchanged while keeping a copy of its first bytes, so that a failure record
/// can name the model without the body ever being buffered whole. The copy lives in a pooled buffer, returned
/// when the stream is disposed (the handler registers it for disposal with the response).
/// </summary>
internal sealed class RequestBodyPrefixStream(Stream inner, int prefixLength) : Stream
{
    private byte[] _prefix = ArrayPool<byte>.Shared.Rent(prefixLength);
    private int _captured;

    public ReadOnlySpan<byte> Prefix => _prefix.AsSpan(0, _captured);

    /// <summary>Bytes read through this stream so far.</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Capture(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Capture(buffer[..read]);
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _prefix.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_prefix);
            _prefix = [];
            _captured = 0;
        }

        base.Dispose(disposing);
    }

    private void Capture(ReadOnlySpan<byte> read)
    {
        BytesRead += read.Length;
        var room = Math.Min(prefixLength, _prefix.Length) - _captured;
        if (room > 0 && !read.IsEmpty)
        {
            var copied = Math.Min(room, read.Length);
            read[..copied].CopyTo(_prefix.AsSpan(_captured));
            _captured += copied;
        }
    }
}
