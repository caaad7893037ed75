using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Proxy.Connections;

/// <summary>
/// Keeps at most <see cref="ConnectionOptions.MaxIdleConnections"/> connections open without a request in progress,
/// closing one when another becomes idle beyond that: the one idle the longest of those that never sent a request, and
/// only when there are none of those, the one idle the longest of the rest. Kestrel's own connection limit alone would let
/// connections that are opened and never used fill every slot, and then refuse the clients that send requests; and a
/// flood of fresh connections must not close the kept-alive connections of the clients that use them, which would break
/// the request a client sends on one as it closes.
/// </summary>
internal sealed class IdleConnectionLimit(IOptions<ConnectionOptions> options, ILogger<IdleConnectionLimit> logger)
{
    private readonly object _gate = new();
    private readonly LinkedList<ConnectionContext> _neverUsed = new();
    private readonly LinkedList<ConnectionContext> _keptAlive = new();
    private readonly int _maxIdle = options.Value.MaxIdleConnections;
    private long _closed;

    /// <summary>
    /// The connection has no request in progress (<paramref name="servedRequests"/>: it has had one): it joins the idle
    /// ones, and one of them goes if there are too many.
    /// </summary>
    public void BecameIdle(LinkedListNode<ConnectionContext> connection, bool servedRequests)
    {
        ConnectionContext? closing = null;
        lock (_gate)
        {
            if (connection.List is null)
            {
                (servedRequests ? _keptAlive : _neverUsed).AddLast(connection);
            }

            if (_neverUsed.Count + _keptAlive.Count > _maxIdle)
            {
                var from = _neverUsed.Count > 0 ? _neverUsed : _keptAlive;
                closing = from.First!.Value;
                from.RemoveFirst();
            }
        }

        if (closing is not null)
        {
            closing.Abort(new ConnectionAbortedException("Closed to keep the idle connections under their limit."));
            var closed = Interlocked.Increment(ref _closed);
            if (closed == 1 || closed % 10_000 == 0)
            {
                ProxyLog.IdleConnectionsClosed(logger, _maxIdle, closed);
            }
        }
    }

    /// <summary>The connection started a request, or closed: it is no longer idle.</summary>
    public void BecameBusyOrClosed(LinkedListNode<ConnectionContext> connection)
    {
        lock (_gate)
        {
            connection.List?.Remove(connection);
        }
    }
}
