using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using Proxy.Storage;

namespace Proxy.Auth;

/// <summary>
/// The keys table, read whole and kept for <see cref="AuthOptions.KeyRefreshInterval"/>, so that a request
/// never reads it: registered keys are few, and one query a half-minute is cheaper than one per request.
/// A stale copy keeps serving while a fresh one is read in the background, and keeps serving when the store is down.
/// </summary>
public sealed class KeyDirectory(KeyTable keyTable, TableStoreCircuit circuit, IOptions<AuthOptions> authOptions,
    IOptions<Quota.QuotaOptions> quotaOptions, TimeProvider timeProvider)
{
    private readonly TimeSpan _refreshInterval = authOptions.Value.KeyRefreshInterval;
    private readonly TimeSpan _storeTimeout = quotaOptions.Value.StoreTimeout;
    private readonly object _gate = new();
    private Task<Snapshot?>? _refresh;
    private Snapshot? _snapshot;

    /// <summary>Whether the table has been read once since start: until it has, a request waits for a read and gets 503 when it fails.</summary>
    public bool HasRead => Volatile.Read(ref _snapshot) is not null;

    /// <summary>
    /// The record of <paramref name="keyId"/>: found, not registered, or unknown because the table has never
    /// been read and cannot be now. Only the first read waits, and <paramref name="cancellationToken"/> ends that wait
    /// (not the shared read, which other requests wait on too).
    /// </summary>
    public async ValueTask<KeyLookup> FindAsync(string keyId, CancellationToken cancellationToken = default)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is null)
        {
            snapshot = await RefreshAsync().WaitAsync(cancellationToken);
            if (snapshot is null)
            {
                return KeyLookup.Unavailable;
            }
        }
        else if (timeProvider.GetUtcNow() - snapshot.ReadAt > _refreshInterval)
        {
            _ = RefreshAsync();
        }

        return snapshot.Keys.TryGetValue(keyId, out var record) ? new KeyLookup(record, Available: true) : KeyLookup.NotRegistered;
    }

    /// <summary>One read of the table at a time; callers that come while it runs share it.</summary>
    private Task<Snapshot?> RefreshAsync()
    {
        if (circuit.IsOpen)
        {
            return Task.FromResult(Volatile.Read(ref _snapshot));
        }

        lock (_gate)
        {
            return _refresh ??= ReadAsync();
        }
    }

    private async Task<Snapshot?> ReadAsync()
    {
        // Returns to the caller before anything else, so the assignment in RefreshAsync happens before the finally below.
        await Task.Yield();
        try
        {
            using var timeout = new CancellationTokenSource(_storeTimeout, timeProvider);
            var records = await keyTable.ListAsync(timeout.Token);
            var snapshot = new Snapshot(records.ToFrozenDictionary(record => record.KeyId, StringComparer.Ordinal), timeProvider.GetUtcNow());
            Volatile.Write(ref _snapshot, snapshot);
            return snapshot;
        }
        catch (Exception)
        {
            circuit.RecordFailure();
            return Volatile.Read(ref _snapshot);
        }
        finally
        {
            lock (_gate)
            {
                _refresh = null;
            }
        }
    }

    private sealed record Snapshot(FrozenDictionary<string, KeyRecord> Keys, DateTimeOffset ReadAt);
}
