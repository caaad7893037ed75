namespace Proxy.Usage;

/// <summary>
/// Passes a JSON response body to the client byte for byte and keeps only its last <see cref="TailLength"/> bytes, where
/// OpenAI-compatible answers put <c>usage</c>: the tokens are read from them once the body has gone by, without ever
/// buffering the body.
/// </summary>
internal sealed class JsonUsageTail(Stream inner) : Stream
{
    /// <summary>A chat completion's <c>usage</c>, details included, is a few hundred bytes; only what follows it shares the window.</summary>
    public const int TailLength = 4096;

    private readonly byte[] _ring = new byte[TailLength];
    private int _next;
    private bool _wrapped;

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
        Keep(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Keep(buffer);
        inner.Write(buffer);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>The usage in the body's last bytes, once it has all gone by.</summary>
    public bool TryReadUsage(out TokenUsage usage)
    {
        if (!_wrapped)
        {
            return TokenUsage.TryFind(_ring.AsSpan(0, _next), out usage);
        }

        var tail = new byte[TailLength];
        _ring.AsSpan(_next).CopyTo(tail);
        _ring.AsSpan(0, _next).CopyTo(tail.AsSpan(TailLength - _next));
        return TokenUsage.TryFind(tail, out usage);
    }

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        BytesWritten += bytes.Length;
        if (bytes.Length >= TailLength)
        {
            bytes[^TailLength..].CopyTo(_ring);
            (_next, _wrapped) = (0, true);
            return;
        }

        var first = Math.Min(bytes.Length, TailLength - _next);
        bytes[..first].CopyTo(_ring.AsSpan(_next));
        bytes[first..].CopyTo(_ring);
        _wrapped |= _next + bytes.Length >= TailLength;
        _next = (_next + bytes.Length) % TailLength;
    }
}
