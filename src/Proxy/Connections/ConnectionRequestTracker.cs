using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Proxy.Connections;

/// <summary>
/// What one connection's transport wrappers need to know about the requests on it: whether the proxy is answering one
/// (so that anything else the server writes is its own refusal), and the first line of the request that comes next
/// (so that a refusal can name the path the client called). Set as a connection feature; HTTP middleware sees it.
/// </summary>
internal sealed class ConnectionRequestTracker
{
    /// <summary>Enough for any path a person would read; a longer request line is reported cut, with an ellipsis.</summary>
    internal const int RequestLineCapacity = 2048;

    private static readonly Func<object, Task> s_requestCompleted = RequestCompleted;

    private readonly IdleConnectionLimit _idleLimit;
    private readonly LinkedListNode<AcceptedConnection> _idleEntry;

    // Most request lines fit the first size; a longer one grows it, up to the capacity.
    private byte[] _requestLine = new byte[256];
    private int _answering;
    private bool _multiplexed;
    private long _consumed;
    private long? _nextRequestStart = 0;
    private int _requestLineLength;
    private bool _requestLineEnded;

    /// <summary>A new connection: idle until its first request starts.</summary>
    public ConnectionRequestTracker(ConnectionContext connection, IdleConnectionLimit idleLimit)
    {
        _idleLimit = idleLimit;
        _idleEntry = idleLimit.Accepted(connection);
    }

    /// <summary>
    /// True when what the server writes now is its own and may be a bare refusal: no request is being answered, on
    /// an HTTP/1.x connection. Never on HTTP/2, whose frames interleave streams and whose refusals are not bare heads.
    /// </summary>
    public bool ServerWritesAlone => !Volatile.Read(ref _multiplexed) && Volatile.Read(ref _answering) == 0;

    public static ConnectionRequestTracker? Get(HttpContext context) => context.Features.Get<ConnectionRequestTracker>();

    /// <summary>
    /// Called as the handler starts. The server has consumed the request's head by then, so the next request starts
    /// after this one's body; a chunked body's end is not known here, and a request after it goes unrecorded.
    /// </summary>
    public void RequestStarted(HttpContext context)
    {
        if (!HttpProtocol.IsHttp11(context.Request.Protocol) && !HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            // Never counted idle again: its streams come and go on their own.
            Volatile.Write(ref _multiplexed, true);
            _idleLimit.BecameBusyOrClosed(_idleEntry);
            return;
        }

        if (Interlocked.Increment(ref _answering) == 1)
        {
            _idleLimit.BecameBusyOrClosed(_idleEntry);
        }

        context.Response.OnCompleted(s_requestCompleted, this);

        var chunked = context.Request.Headers.TransferEncoding.Count > 0;
        _nextRequestStart = chunked ? null : _consumed + (context.Request.ContentLength ?? 0);
        _requestLineLength = 0;
        _requestLineEnded = false;
    }

    /// <summary>The server read <paramref name="buffer"/>, which starts where it last consumed up to.</summary>
    public void BufferRead(in ReadOnlySequence<byte> buffer)
    {
        if (_requestLineEnded || _nextRequestStart is not { } start || start < _consumed || start - _consumed >= buffer.Length)
        {
            return;
        }

        // The server consumes a request line only whole, so until it ends the line is read again from its start.
        var line = buffer.Slice(start - _consumed);
        var end = line.PositionOf((byte)'\n');
        var length = (int)Math.Min(end is { } lineFeed ? line.Slice(0, lineFeed).Length : line.Length, RequestLineCapacity);
        if (length > _requestLine.Length)
        {
            _requestLine = new byte[RequestLineCapacity];
        }

        line.Slice(0, length).CopyTo(_requestLine);
        _requestLineLength = length;
        _requestLineEnded = end is not null || length == RequestLineCapacity;
    }

    /// <summary>The server consumed <paramref name="bytes"/> more bytes of the connection's input.</summary>
    public void Consumed(long bytes) => _consumed += bytes;

    /// <summary>The first line of the request the server is reading now, as far as it arrived; null when it went unrecorded.</summary>
    public RejectedRequestLine? CurrentRequestLine() =>
        _nextRequestStart is null || _requestLineLength == 0
            ? null
            : RejectedRequestLine.Parse(_requestLine.AsSpan(0, _requestLineLength), cut: !IsLineComplete());

    private bool IsLineComplete() => _requestLineEnded && _requestLineLength < RequestLineCapacity;

    /// <summary>The connection closed.</summary>
    public void Closed() => _idleLimit.BecameBusyOrClosed(_idleEntry);

    private static Task RequestCompleted(object state)
    {
        var tracker = (ConnectionRequestTracker)state;
        if (Interlocked.Decrement(ref tracker._answering) == 0)
        {
            tracker._idleLimit.BecameIdle(tracker._idleEntry);
        }

        return Task.CompletedTask;
    }
}
