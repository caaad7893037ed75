using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Proxy.Connections;

/// <summary>The connection's input as the server reads it, shown to the tracker on the way: what was read, what consumed.</summary>
internal sealed class RequestLineRecordingReader(PipeReader inner, ConnectionRequestTracker tracker) : PipeReader
{
    private ReadOnlySequence<byte> _buffer;

    // Pooled: a read that waits for the socket would otherwise allocate its state machine, once per request.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var result = await inner.ReadAsync(cancellationToken);
        Observe(result.Buffer);
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
        {
            return false;
        }

        Observe(result.Buffer);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        tracker.Consumed(_buffer.Slice(_buffer.Start, consumed).Length);
        _buffer = default;
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    private void Observe(in ReadOnlySequence<byte> buffer)
    {
        _buffer = buffer;
        tracker.BufferRead(buffer);
    }
}
