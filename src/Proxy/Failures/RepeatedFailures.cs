namespace Proxy.Failures;

/// <summary>
/// The failures of requests with an accepted key, by key, kind and status, over one aggregation interval: the first
/// <c>recordsPerInterval</c> of each get a record of their own, and the rest are counted, so that one key failing the
/// same way many times (a used-up key's 429s, answered from memory as fast as a client can send them) takes at most
/// that many places in the buffer per interval, whatever the rate. At most <c>maxTracked</c> (key, kind, status) are
/// held per interval; a new one beyond them gets its record as before, untracked, so memory stays bounded.
/// </summary>
internal sealed class RepeatedFailures(int recordsPerInterval, int maxTracked, TimeProvider timeProvider)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string KeyId, string Kind, int StatusCode), Burst> _bursts = [];

    /// <summary>True when <paramref name="record"/> gets a record of its own; false when it was counted instead.</summary>
    public bool TryRecord(FailureRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(record.KeyId);
        var key = (record.KeyId, record.Kind, record.StatusCode);
        lock (_lock)
        {
            if (!_bursts.TryGetValue(key, out var burst))
            {
                if (_bursts.Count < maxTracked)
                {
                    _bursts[key] = new Burst { Recorded = 1 };
                }

                return true;
            }

            if (burst.Recorded < recordsPerInterval)
            {
                burst.Recorded++;
                return true;
            }

            var now = timeProvider.GetUtcNow();
            if (burst.Counted == 0)
            {
                (burst.First, burst.Tier) = (now, record.Tier);
            }

            burst.Last = now;
            burst.Counted++;
            return false;
        }
    }

    /// <summary>What was counted in the interval, one entry per key, kind and status; the next interval starts with none recorded.</summary>
    public IReadOnlyList<RepeatedFailureCount> Close()
    {
        lock (_lock)
        {
            var counted = _bursts
                .Where(pair => pair.Value.Counted > 0)
                .Select(pair => new RepeatedFailureCount(pair.Key.KeyId, pair.Value.Tier, pair.Key.Kind, pair.Key.StatusCode, pair.Value.Counted, pair.Value.First, pair.Value.Last))
                .ToList();
            _bursts.Clear();
            return counted;
        }
    }

    private sealed class Burst
    {
        public int Recorded { get; set; }

        public long Counted { get; set; }

        public DateTimeOffset First { get; set; }

        public DateTimeOffset Last { get; set; }

        public string? Tier { get; set; }
    }
}
