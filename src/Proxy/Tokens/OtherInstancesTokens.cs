using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy.Quota;
using Proxy.Storage;
using Proxy.Usage;

namespace Proxy.Tokens;

/// <summary>
/// What the other instances have flushed to the usage table for a key's current hour, cached per key: read when a key with
/// a token limit is first seen in the hour (that request waits for it, at most <see cref="QuotaOptions.StoreTimeout"/>), and
/// again in the background at most once per <see cref="UsageOptions.FlushInterval"/>, which is how often they write it; so
/// never a store call per request. A read that fails leaves the last known value. At most
/// <see cref="UsageOptions.MaxKeyHours"/> keys are held, this hour's only; a key beyond them is judged on this process's
/// own count alone (logged).
/// </summary>
internal sealed class OtherInstancesTokens(
    UsageTable table, UsageLedger ledger, TableStoreCircuit circuit, IOptions<UsageOptions> usageOptions, IOptions<QuotaOptions> quotaOptions,
    TimeProvider timeProvider, ILogger<OtherInstancesTokens> logger)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _readInterval = usageOptions.Value.FlushInterval;
    private readonly TimeSpan _storeTimeout = quotaOptions.Value.StoreTimeout;
    private readonly int _capacity = usageOptions.Value.MaxKeyHours;
    private DateTimeOffset _currentHour;
    private int _held;
    private long _unread;

    /// <summary>The other instances' tokens for <paramref name="keyId"/> this hour, as last read.</summary>
    public async ValueTask<long> GetAsync(string keyId, CancellationToken cancellationToken)
    {
        var hour = QuotaWindow.Containing(timeProvider.GetUtcNow()).Start;
        DropPastHours(hour);
        if (_entries.TryGetValue(keyId, out var entry) && entry.Hour != hour && _entries.TryRemove(new KeyValuePair<string, Entry>(keyId, entry)))
        {
            // An entry of the past hour, added while the hour turned.
            Interlocked.Decrement(ref _held);
        }

        if (entry is null || entry.Hour != hour)
        {
            entry = Add(keyId, hour);
            if (entry is null)
            {
                return 0;
            }
        }

        if (!entry.FirstRead.IsCompleted)
        {
            await entry.FirstRead.WaitAsync(cancellationToken);
        }
        else if (timeProvider.GetElapsedTime(entry.ReadAt) >= _readInterval && entry.TryStartRead())
        {
            _ = ReadAsync(keyId, entry);
        }

        return entry.Tokens;
    }

    private Entry? Add(string keyId, DateTimeOffset hour)
    {
        if (Interlocked.Increment(ref _held) > _capacity)
        {
            Interlocked.Decrement(ref _held);
            var unread = Interlocked.Increment(ref _unread);
            if (unread == 1 || unread % 1000 == 0)
            {
                TokenLog.CacheFull(logger, _capacity, unread);
            }

            return null;
        }

        var fresh = new Entry(hour);
        var entry = _entries.GetOrAdd(keyId, fresh);
        if (!ReferenceEquals(entry, fresh))
        {
            // Another request added it first: its read is the one.
            Interlocked.Decrement(ref _held);
            return entry.Hour == hour ? entry : null;
        }

        _ = ReadAsync(keyId, fresh);
        return fresh;
    }

    /// <summary>Never throws: a failed read (or a store whose circuit is open) leaves the last known value, read again after the interval.</summary>
    private async Task ReadAsync(string keyId, Entry entry)
    {
        try
        {
            if (!circuit.IsOpen)
            {
                using var timeout = new CancellationTokenSource(_storeTimeout, timeProvider);
                entry.Tokens = await table.ReadOthersTokensAsync(keyId, entry.Hour, ledger.InstanceId, timeout.Token);
            }
        }
        catch (Exception e)
        {
            TokenLog.ReadFailed(logger, e is OperationCanceledException ? StorageFailureCause.TimedOut : StorageFailureCause.Of(e), (long)_readInterval.TotalMilliseconds);
        }
        finally
        {
            entry.ReadDone(timeProvider.GetTimestamp());
        }
    }

    private void DropPastHours(DateTimeOffset hour)
    {
        if (hour == _currentHour)
        {
            return;
        }

        _currentHour = hour;
        foreach (var (keyId, entry) in _entries)
        {
            if (entry.Hour != hour && _entries.TryRemove(new KeyValuePair<string, Entry>(keyId, entry)))
            {
                Interlocked.Decrement(ref _held);
            }
        }
    }

    /// <summary>One key's hour. Made with its first read pending, so a request that finds it waits for that read.</summary>
    private sealed class Entry(DateTimeOffset hour)
    {
        private readonly TaskCompletionSource _firstRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _tokens;
        private long _readAt;
        private int _reading = 1;

        public DateTimeOffset Hour { get; } = hour;

        /// <summary>The hour's first read: requests wait for it, since before it nothing is known of the other instances.</summary>
        public Task FirstRead => _firstRead.Task;

        public long Tokens
        {
            get => Interlocked.Read(ref _tokens);
            set => Interlocked.Exchange(ref _tokens, value);
        }

        public long ReadAt => Interlocked.Read(ref _readAt);

        /// <summary>True for one caller at a time: one read per key in flight.</summary>
        public bool TryStartRead() => Interlocked.CompareExchange(ref _reading, 1, 0) == 0;

        public void ReadDone(long timestamp)
        {
            Interlocked.Exchange(ref _readAt, timestamp);
            Volatile.Write(ref _reading, 0);
            _firstRead.TrySetResult();
        }
    }
}
