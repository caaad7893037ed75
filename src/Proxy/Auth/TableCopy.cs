using Microsoft.Extensions.Logging;
using Proxy.Storage;

namespace Proxy.Auth;

/// <summary>
/// A small table read whole and kept, so that a request never reads it (the keys table, the tiers table). One read at a
/// time: callers that come while it runs share it. A read that fails keeps the last good copy serving and logs one warning
/// until a read succeeds again; a read is not tried while the circuit is open. Only a read a request waited on opens the
/// circuit: a background read that fails cost no request anything, and the next request's own store call decides.
/// </summary>
internal sealed class TableCopy<T>(
    string tableName, Func<CancellationToken, Task<T>> read, TableStoreCircuit circuit, TimeSpan storeTimeout, TimeProvider timeProvider, ILogger logger)
    where T : class
{
    private readonly object _gate = new();
    private Task<T?>? _refresh;
    private T? _current;
    private bool _requestWaits;

    // Written only by the one read running; read by anyone through ReadAt.
    private long _readAtTicks;

    // Touched only by the one read running, so it needs no lock.
    private bool _failing;

    /// <summary>The last good copy; null until a read has succeeded.</summary>
    public T? Current => Volatile.Read(ref _current);

    /// <summary>When the last good copy was read; null until a read has succeeded.</summary>
    public DateTimeOffset? ReadAt => Volatile.Read(ref _readAtTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>
    /// The last good copy, or when there is none yet, the one a read brings (null when it fails or the circuit is open).
    /// <paramref name="cancellationToken"/> ends this caller's wait, not the shared read.
    /// </summary>
    public async ValueTask<T?> GetAsync(CancellationToken cancellationToken)
    {
        if (Current is { } current)
        {
            return current;
        }

        return await ReadOnceAsync(requested: true).WaitAsync(cancellationToken);
    }

    /// <summary>The copy after a read of the table, or the last good one (null: none) when the read fails or the circuit is open.</summary>
    public Task<T?> RefreshAsync() => ReadOnceAsync(requested: false);

    private Task<T?> ReadOnceAsync(bool requested)
    {
        if (circuit.IsOpen)
        {
            return Task.FromResult(Current);
        }

        lock (_gate)
        {
            _requestWaits |= requested;
            return _refresh ??= ReadAsync();
        }
    }

    private async Task<T?> ReadAsync()
    {
        // Returns to the caller before anything else, so the assignment in ReadOnceAsync happens before the finally below.
        await Task.Yield();
        try
        {
            using var timeout = new CancellationTokenSource(storeTimeout, timeProvider);
            var copy = await read(timeout.Token);
            Volatile.Write(ref _current, copy);
            Volatile.Write(ref _readAtTicks, timeProvider.GetUtcNow().UtcTicks);
            if (_failing)
            {
                _failing = false;
                TableCopyLog.ReadAgain(logger, tableName);
            }

            return copy;
        }
        catch (Exception e)
        {
            bool requestWaits;
            lock (_gate)
            {
                requestWaits = _requestWaits;
            }

            if (requestWaits)
            {
                circuit.RecordFailure();
            }

            if (!_failing)
            {
                _failing = true;
                var cause = StorageFailureCause.Of(e);
                var served = ReadAt is { } readAt ? $"the copy read at {readAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss}Z" : "no copy yet";
                TableCopyLog.ReadFailed(logger, tableName, cause, served);
            }

            return Current;
        }
        finally
        {
            lock (_gate)
            {
                _refresh = null;
                _requestWaits = false;
            }
        }
    }
}
