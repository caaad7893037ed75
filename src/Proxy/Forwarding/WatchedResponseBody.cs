namespace Proxy.Forwarding;

/// <summary>
/// A response body on its way to the client: every write goes to the inner stream byte for byte, unchanged and in
/// order, after the watcher has looked at it. The watchers (stream errors, token usage) share this so that none of them
/// can hold bytes back or change them.
/// </summary>
internal abstract class WatchedResponseBody(Stream inner) : WriteOnlyStream
{
    /// <summary>Bytes passed to the client so far.</summary>
    public long BytesWritten { get; private set; }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        BytesWritten += buffer.Length;
        Observe(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken);
        await AfterWriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        BytesWritten += buffer.Length;
        Observe(buffer);
        inner.Write(buffer);
        AfterWrite(buffer);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    /// <summary>Sees each write before the client gets it.</summary>
    protected abstract void Observe(ReadOnlySpan<byte> bytes);

    /// <summary>Runs once the client has the bytes: a watcher that also feeds them elsewhere does it here.</summary>
    protected virtual ValueTask AfterWriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    protected virtual void AfterWrite(ReadOnlySpan<byte> buffer)
    {
    }
}
