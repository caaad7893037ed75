using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy.Storage;

namespace Proxy.Auth;

/// <summary>
/// The keys table, read whole and kept, so that a request never reads it: registered keys are few, and one query per
/// <see cref="AuthOptions.KeyRefreshInterval"/> is cheaper than one per request. <see cref="DirectoryRefreshService"/> reads
/// it again on that interval whatever the traffic, so a key created or disabled while the proxy is idle is known to its
/// first request after. A copy keeps serving while the next is read, and when the store is down.
/// </summary>
public sealed class KeyDirectory
{
    private readonly KeyTable _keyTable;
    private readonly TableCopy<Keys> _copy;

    public KeyDirectory(KeyTable keyTable, TableStoreCircuit circuit, IOptions<Quota.QuotaOptions> quotaOptions, TimeProvider timeProvider,
        ILogger<KeyDirectory> logger)
    {
        _keyTable = keyTable;
        _copy = new TableCopy<Keys>(keyTable.Name, ReadAsync, circuit, quotaOptions.Value.StoreTimeout, timeProvider, logger);
    }

    /// <summary>Whether the table has been read once since start: until it has, a request waits for a read and gets 503 when it fails.</summary>
    public bool HasRead => _copy.Current is not null;

    /// <summary>When the copy in use was read; null until the table has been read once.</summary>
    public DateTimeOffset? ReadAt => _copy.ReadAt;

    /// <summary>
    /// The record of the key whose secret hashes to <paramref name="secretHash"/>: found, not registered, a rotated key's
    /// first secret, or unknown because the table has never been read and cannot be now. Only the first read waits, and <paramref name="cancellationToken"/> ends that wait
    /// (not the shared read, which other requests wait on too).
    /// </summary>
    public async ValueTask<KeyLookup> FindAsync(string secretHash, CancellationToken cancellationToken = default)
    {
        var keys = await _copy.GetAsync(cancellationToken);
        if (keys is null)
        {
            return KeyLookup.Unavailable;
        }

        return keys.BySecret.TryGetValue(secretHash, out var record) ? new KeyLookup(record, Available: true)
            : keys.RotatedIds.Contains(secretHash) ? KeyLookup.ReplacedSecret
            : KeyLookup.NotRegistered;
    }

    /// <summary>Reads the table again, unless a read is under way (then that one is shared); never throws.</summary>
    public Task RefreshAsync() => _copy.RefreshAsync();

    private async Task<Keys> ReadAsync(CancellationToken cancellationToken)
    {
        var records = await _keyTable.ListAsync(cancellationToken);
        return new Keys(
            records.ToFrozenDictionary(record => record.CurrentSecretHash, StringComparer.Ordinal),
            records.Where(record => record.SecretHash is not null).Select(record => record.KeyId).ToFrozenSet(StringComparer.Ordinal));
    }

    /// <summary>
    /// The records by their current secret's hash, and the ids of the rotated ones: a rotated key's first secret hashes to
    /// its id, and would otherwise pass in pass-through mode as an unregistered key counted against that same id.
    /// </summary>
    private sealed record Keys(FrozenDictionary<string, KeyRecord> BySecret, FrozenSet<string> RotatedIds);
}
