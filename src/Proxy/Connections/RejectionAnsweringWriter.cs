using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Proxy.Connections;

/// <summary>
/// The connection's output. While the proxy answers a request its bytes pass straight through; anything the server
/// writes between requests is held until it flushes, and when it is a bare refusal (<see cref="ServerRejection"/>)
/// the documented answer goes out in its place. Everything else held goes out unchanged.
/// </summary>
internal sealed class RejectionAnsweringWriter(
    PipeWriter inner, ConnectionRequestTracker tracker, ServerRejectionAnswerer answerer, KestrelServerLimits limits) : PipeWriter
{
    private ArrayBufferWriter<byte>? _held;
    private bool _holding;

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes + (_holding ? _held!.WrittenCount : 0);

    public override Memory<byte> GetMemory(int sizeHint = 0) => Hold() ? _held!.GetMemory(sizeHint) : inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => Hold() ? _held!.GetSpan(sizeHint) : inner.GetSpan(sizeHint);

    public override void Advance(int bytes)
    {
        if (_holding)
        {
            _held!.Advance(bytes);
        }
        else
        {
            inner.Advance(bytes);
        }
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
        _holding ? FlushHeldAsync(cancellationToken) : inner.FlushAsync(cancellationToken);

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        if (_holding)
        {
            // Never flushed, so never a whole answer: passed on as written.
            inner.Write(_held!.WrittenSpan);
            Release();
        }

        inner.Complete(exception);
    }

    private async ValueTask<FlushResult> FlushHeldAsync(CancellationToken cancellationToken)
    {
        var held = _held!.WrittenMemory;
        inner.Write(ServerRejection.TryParse(held.Span, out var rejection)
            ? (await answerer.AnswerAsync(rejection, tracker.CurrentRequestLine(), limits)).Span
            : held.Span);
        Release();
        return await inner.FlushAsync(cancellationToken);
    }

    private bool Hold()
    {
        if (!_holding && tracker.ServerWritesAlone)
        {
            _holding = true;
            _held ??= new ArrayBufferWriter<byte>(512);
        }

        return _holding;
    }

    private void Release()
    {
        _held!.ResetWrittenCount();
        _holding = false;
    }
}
