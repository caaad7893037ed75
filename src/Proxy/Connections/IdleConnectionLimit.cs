using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Proxy.Connections;

/// <summary>
/// Keeps at most <see cref="ConnectionOptions.MaxIdleConnections"/> connections open without a request in progress,
/// closing one when another becomes idle beyond that. Kestrel's own connection limit alone would let connections that are
/// opened and never used fill every slot, and then refuse the clients that send requests. Which one is closed:
/// <list type="number">
/// <item>the oldest of the new connections that have not started a first request within
/// <see cref="ConnectionOptions.FirstRequestGracePeriod"/> of being accepted: they had their chance;</item>
/// <item>else, while new connections hold more than half the limit (a flood of them), the oldest new one: a flood must not
/// close the kept-alive connections of the clients that use them, whose reconnections would then have to compete with it;</item>
/// <item>else the one idle the longest of those kept alive after a request, and gracefully: however many of those a client
/// holds, a new client's connection takes the place of one of them and is answered.</item>
/// </list>
/// So a connection is never closed as it is accepted, and a new one is closed before its first request starts only when
/// its grace period has passed, or when half the limit's worth of connections accepted after it are idle and new too.
/// </summary>
internal sealed class IdleConnectionLimit(IOptions<ConnectionOptions> options, TimeProvider time, ILogger<IdleConnectionLimit> logger)
{
    private readonly object _gate = new();
    private readonly LinkedList<AcceptedConnection> _neverUsed = new();
    private readonly LinkedList<AcceptedConnection> _keptAlive = new();
    private readonly int _maxIdle = options.Value.MaxIdleConnections;
    private readonly TimeSpan _gracePeriod = options.Value.FirstRequestGracePeriod;
    private readonly int _newShare = Math.Max(1, options.Value.MaxIdleConnections / 2);
    private long _closed;

    /// <summary>A new connection: idle, and in its grace period, until its first request starts.</summary>
    public LinkedListNode<AcceptedConnection> Accepted(ConnectionContext connection)
    {
        var entry = new LinkedListNode<AcceptedConnection>(new AcceptedConnection(connection, time.GetTimestamp()));
        BecameIdle(entry, _neverUsed);
        return entry;
    }

    /// <summary>The connection has no request in progress after answering one: it is kept alive, idle from now.</summary>
    public void BecameIdle(LinkedListNode<AcceptedConnection> connection) => BecameIdle(connection, _keptAlive);

    /// <summary>The connection started a request, or closed: it is no longer idle.</summary>
    public void BecameBusyOrClosed(LinkedListNode<AcceptedConnection> connection)
    {
        lock (_gate)
        {
            connection.List?.Remove(connection);
        }
    }

    private void BecameIdle(LinkedListNode<AcceptedConnection> connection, LinkedList<AcceptedConnection> idle)
    {
        ConnectionContext? closing = null;
        var keptAlive = false;
        lock (_gate)
        {
            if (connection.List is null)
            {
                idle.AddLast(connection);
            }

            if (_neverUsed.Count + _keptAlive.Count > _maxIdle)
            {
                var chosen = ChooseToClose();
                keptAlive = chosen.List == _keptAlive;
                chosen.List!.Remove(chosen);
                closing = chosen.Value.Connection;
            }
        }

        if (closing is not null)
        {
            Close(closing, keptAlive);
        }
    }

    /// <summary>Both lists are in the order their connections became idle, so each one's first is its longest idle.</summary>
    private LinkedListNode<AcceptedConnection> ChooseToClose()
    {
        var oldestNew = _neverUsed.First;
        if (oldestNew is not null && (time.GetElapsedTime(oldestNew.Value.AcceptedAt) >= _gracePeriod || _neverUsed.Count > _newShare))
        {
            return oldestNew;
        }

        return _keptAlive.First ?? oldestNew!;
    }

    /// <summary>
    /// A kept-alive connection is asked to close, as Kestrel closes connections when it stops: the end of a response it is
    /// still sending goes out, and a request already arriving is answered (with <c>Connection: close</c>), where an abort
    /// would break them off. A new connection has answered nothing, and is aborted, so that its socket goes at once.
    /// </summary>
    private void Close(ConnectionContext connection, bool keptAlive)
    {
        if (keptAlive && connection.Features.Get<IConnectionLifetimeNotificationFeature>() is { } lifetime)
        {
            lifetime.RequestClose();
        }
        else
        {
            connection.Abort(new ConnectionAbortedException("Closed to keep the idle connections under their limit."));
        }

        var closed = Interlocked.Increment(ref _closed);
        if (closed == 1 || closed % 10_000 == 0)
        {
            ProxyLog.IdleConnectionsClosed(logger, _maxIdle, closed);
        }
    }
}
