namespace Proxy.Failures;

/// <summary>
/// The failures of requests without an accepted key that found their share of the buffer full: counted exactly, by
/// kind and status, in memory whose size does not grow with the flood, until the sender closes the count into one
/// aggregated record.
/// </summary>
internal sealed class FailureAggregate(TimeProvider timeProvider)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Kind, int StatusCode), long> _counts = [];
    private DateTimeOffset _since;
    private DateTimeOffset _last;
    private long _total;

    public void Add(string kind, int statusCode)
    {
        lock (_lock)
        {
            _last = timeProvider.GetUtcNow();
            if (_total == 0)
            {
                _since = _last;
            }

            // The kinds and statuses of refusals before a key are few; a pair past the bound is counted with the others.
            var key = _counts.Count < FailureRecordBounds.MaxAggregatedCounts - 1 || _counts.ContainsKey((kind, statusCode))
                ? (kind, statusCode)
                : (FailureCount.OtherKind, 0);
            _counts[key] = _counts.GetValueOrDefault(key) + 1;
            _total++;
        }
    }

    /// <summary>What was counted, from the first to the last of it, and the count starts again from zero; false when nothing was.</summary>
    public bool TryClose(out long total, out DateTimeOffset since, out DateTimeOffset last, out IReadOnlyList<FailureCount> counts)
    {
        lock (_lock)
        {
            (total, since, last) = (_total, _since, _last);
            if (_total == 0)
            {
                counts = [];
                return false;
            }

            counts = _counts.OrderByDescending(pair => pair.Value).Select(pair => new FailureCount(pair.Key.Kind, pair.Key.StatusCode, pair.Value)).ToList();
            _counts.Clear();
            _total = 0;
            return true;
        }
    }
}
