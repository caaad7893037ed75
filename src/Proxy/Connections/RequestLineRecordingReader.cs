using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Proxy.Connections;

/// <summary>The connection's input as the server reads it, shown to the tracker on the way: what was read, what consumed.</summary>
/// <remarks>
/// A read that has to wait for the socket completes through this reader itself (<see cref="IValueTaskSource{TResult}"/>)
/// instead of an async method: every keep-alive request starts with such a read, and an async method's state machine
/// was boxed for each one (the pooling builder keeps a box per thread and core, far fewer than the connections waiting).
/// One core per connection is enough: a <see cref="PipeReader"/> has at most one read outstanding.
/// </remarks>
internal sealed class RequestLineRecordingReader : PipeReader, IValueTaskSource<ReadResult>
{
    private readonly PipeReader _inner;
    private readonly ConnectionRequestTracker _tracker;
    private readonly Action _innerReadCompleted;
    private ManualResetValueTaskSourceCore<ReadResult> _pending;
    private ValueTaskAwaiter<ReadResult> _innerRead;
    private ReadOnlySequence<byte> _buffer;

    public RequestLineRecordingReader(PipeReader inner, ConnectionRequestTracker tracker)
    {
        _inner = inner;
        _tracker = tracker;
        _innerReadCompleted = InnerReadCompleted;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var read = _inner.ReadAsync(cancellationToken);
            if (read.IsCompletedSuccessfully)
            {
                var result = read.Result;
                Observe(result.Buffer);
                return new ValueTask<ReadResult>(result);
            }

            return Pending(read);
        }
        catch (Exception exception)
        {
            // Handed back in the task, not thrown at the caller, as the async method this replaces did.
            return ValueTask.FromException<ReadResult>(exception);
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!_inner.TryRead(out result))
        {
            return false;
        }

        Observe(result.Buffer);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _tracker.Consumed(_buffer.Slice(_buffer.Start, consumed).Length);
        _buffer = default;
        _inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _inner.CompleteAsync(exception);

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _pending.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _pending.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(
        Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _pending.OnCompleted(continuation, state, token, flags);

    private ValueTask<ReadResult> Pending(ValueTask<ReadResult> read)
    {
        var innerRead = read.GetAwaiter();
        _pending.Reset();
        var version = _pending.Version;
        _innerRead = innerRead;
        if (innerRead.IsCompleted)
        {
            // Failed or cancelled at once: the caller gets the exception from the returned task, as from an async method.
            InnerReadCompleted();
        }
        else
        {
            // The tracker needs no execution context; the caller's continuation gets its own from the core, as it asked.
            innerRead.UnsafeOnCompleted(_innerReadCompleted);
        }

        return new ValueTask<ReadResult>(this, version);
    }

    private void InnerReadCompleted()
    {
        var innerRead = _innerRead;
        _innerRead = default;
        ReadResult result;
        try
        {
            result = innerRead.GetResult();
            Observe(result.Buffer);
        }
        catch (Exception exception)
        {
            // On the pipe's completion, which must not see it: the caller's await throws it.
            _pending.SetException(exception);
            return;
        }

        _pending.SetResult(result);
    }

    private void Observe(in ReadOnlySequence<byte> buffer)
    {
        _buffer = buffer;
        _tracker.BufferRead(buffer);
    }
}
