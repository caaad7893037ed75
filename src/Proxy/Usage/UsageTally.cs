namespace Proxy.Usage;

/// <summary>
/// This process's running totals for one key and hour. Writers add under a lock held for a few additions; the flush
/// takes a snapshot of the absolute totals and remembers which version it wrote, so an unchanged tally is not written again.
/// </summary>
internal sealed class UsageTally(string keyId, DateTimeOffset hour)
{
    private readonly Lock _lock = new();
    private readonly long[] _buckets = new long[LatencySummary.BucketCount];
    private long _requests, _succeeded, _failedClient, _failedUpstream, _failedProxy, _refused;
    private long _promptTokens, _completionTokens, _requestBytes, _responseBytes;
    private long _latencySum, _latencyMax;
    private long _version, _flushedVersion;

    public string KeyId { get; } = keyId;

    public DateTimeOffset Hour { get; } = hour;

    public void Add(in UsageOutcome outcome)
    {
        lock (_lock)
        {
            _requests++;
            switch (outcome.Class)
            {
                case UsageClass.Succeeded: _succeeded++; break;
                case UsageClass.FailedClient: _failedClient++; break;
                case UsageClass.FailedUpstream: _failedUpstream++; break;
                case UsageClass.FailedProxy: _failedProxy++; break;
                default: _refused++; break;
            }

            // Saturating: an upstream's figure near the end of the range must not wrap a total into a small one.
            _promptTokens = long.CreateSaturating((Int128)_promptTokens + outcome.PromptTokens);
            _completionTokens = long.CreateSaturating((Int128)_completionTokens + outcome.CompletionTokens);
            _requestBytes += outcome.RequestBytes;
            _responseBytes += outcome.ResponseBytes;
            _latencySum += outcome.DurationMs;
            _latencyMax = Math.Max(_latencyMax, outcome.DurationMs);
            _buckets[LatencySummary.BucketOf(outcome.DurationMs)]++;
            _version++;
        }
    }

    /// <summary>The totals, if they changed since the last write that succeeded; with the version to pass to <see cref="MarkFlushed"/>.</summary>
    public bool TryTakeChanged(out UsageHour totals, out long version)
    {
        lock (_lock)
        {
            version = _version;
            if (_version == _flushedVersion)
            {
                totals = null!;
                return false;
            }

            totals = new UsageHour(KeyId, Hour, _requests, _succeeded, _failedClient, _failedUpstream, _failedProxy, _refused,
                _promptTokens, _completionTokens, _requestBytes, _responseBytes,
                new LatencySummary(_requests, _latencySum, _latencyMax, [.. _buckets]));
            return true;
        }
    }

    public void MarkFlushed(long version)
    {
        lock (_lock)
        {
            _flushedVersion = Math.Max(_flushedVersion, version);
        }
    }

    /// <summary>Everything added has been written.</summary>
    public bool IsFlushed
    {
        get
        {
            lock (_lock)
            {
                return _version == _flushedVersion;
            }
        }
    }
}
