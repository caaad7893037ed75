using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Proxy.Connections;

/// <summary>
/// Keeps at most <see cref="ConnectionOptions.MaxIdleConnections"/> connections open without a request in progress,
/// closing the one idle the longest when another becomes idle. Kestrel's own connection limit alone would let connections
/// that are opened and never used fill every slot, and then refuse the clients that send requests.
/// </summary>
internal sealed class IdleConnectionLimit(IOptions<ConnectionOptions> options, ILogger<IdleConnectionLimit> logger)
{
    private readonly object _gate = new();
    private readonly LinkedList<ConnectionContext> _idle = new();
    private readonly int _maxIdle = options.Value.MaxIdleConnections;
    private long _closed;

    /// <summary>The connection has no request in progress: it joins the idle ones, and the longest idle goes if there are too many.</summary>
    public void BecameIdle(LinkedListNode<ConnectionContext> connection)
    {
        ConnectionContext? longestIdle = null;
        lock (_gate)
        {
            if (connection.List is null)
            {
                _idle.AddLast(connection);
            }

            if (_idle.Count > _maxIdle)
            {
                longestIdle = _idle.First!.Value;
                _idle.RemoveFirst();
            }
        }

        if (longestIdle is not null)
        {
            longestIdle.Abort(new ConnectionAbortedException("Closed to keep the idle connections under their limit."));
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
            if (connection.List is not null)
            {
                _idle.Remove(connection);
            }
        }
    }
}
