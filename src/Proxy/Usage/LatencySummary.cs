using System.Globalization;

namespace Proxy.Usage;

/// <summary>
/// Request latencies of one key-hour: count, sum and maximum, and counts in fixed log-scale buckets (powers of two
/// milliseconds) so that percentiles can be estimated from rows summed over instances without keeping any sample.
/// Bucket <c>i</c> holds latencies below 2^i ms (bucket 0: below 1 ms); the last holds everything from 2^(n-2) ms up.
/// </summary>
public sealed record LatencySummary(long Count, long SumMs, long MaxMs, IReadOnlyList<long> Buckets)
{
    /// <summary>Bounds 1 ms, 2 ms, … 65,536 ms (about 65 s), then one open bucket.</summary>
    public const int BucketCount = 18;

    public static LatencySummary Empty { get; } = new(0, 0, 0, new long[BucketCount]);

    /// <summary>The upper bound in ms of bucket <paramref name="index"/>; null for the last, open one.</summary>
    public static long? UpperBoundMs(int index) => index < BucketCount - 1 ? 1L << index : null;

    public static int BucketOf(long milliseconds)
    {
        for (var i = 0; i < BucketCount - 1; i++)
        {
            if (milliseconds < 1L << i)
            {
                return i;
            }
        }

        return BucketCount - 1;
    }

    /// <summary>
    /// The smallest bucket bound under which at least <paramref name="quantile"/> of the latencies fall (the maximum for
    /// the open bucket): an estimate from above, off by at most a factor of two.
    /// </summary>
    public long? EstimateMs(double quantile)
    {
        if (Count == 0)
        {
            return null;
        }

        var wanted = (long)Math.Ceiling(quantile * Count);
        long seen = 0;
        for (var i = 0; i < Buckets.Count; i++)
        {
            seen += Buckets[i];
            if (seen >= wanted)
            {
                return Math.Min(UpperBoundMs(i) ?? MaxMs, MaxMs);
            }
        }

        return MaxMs;
    }

    public LatencySummary Add(LatencySummary other)
    {
        var buckets = new long[BucketCount];
        for (var i = 0; i < BucketCount; i++)
        {
            buckets[i] = (i < Buckets.Count ? Buckets[i] : 0) + (i < other.Buckets.Count ? other.Buckets[i] : 0);
        }

        return new LatencySummary(Count + other.Count, SumMs + other.SumMs, Math.Max(MaxMs, other.MaxMs), buckets);
    }

    /// <summary>The buckets as the table stores them: counts separated by commas.</summary>
    internal static string FormatBuckets(IReadOnlyList<long> buckets) => string.Join(',', buckets.Select(count => count.ToString(CultureInfo.InvariantCulture)));

    /// <summary>A row's buckets; a value that does not read (another writer's) counts as empty rather than failing the read.</summary>
    internal static long[] ParseBuckets(string? text)
    {
        var buckets = new long[BucketCount];
        if (string.IsNullOrEmpty(text))
        {
            return buckets;
        }

        var parts = text.Split(',');
        for (var i = 0; i < Math.Min(parts.Length, BucketCount); i++)
        {
            buckets[i] = long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 0;
        }

        return buckets;
    }
}
