namespace Proxy.Cli;

/// <summary>p50, p95 and p99 of the records' <c>durationMs</c>, by nearest rank (each one a duration a record had), over <see cref="Count"/> records.</summary>
internal sealed record LatencyPercentiles(int Count, long P50, long P95, long P99)
{
    /// <summary>Null when there is no duration to rank.</summary>
    public static LatencyPercentiles? Of(IEnumerable<long> durations)
    {
        var sorted = durations.Order().ToArray();
        return sorted.Length == 0 ? null : new LatencyPercentiles(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.95), Rank(sorted, 0.99));
    }

    private static long Rank(long[] sorted, double quantile) => sorted[Math.Max((int)Math.Ceiling(quantile * sorted.Length) - 1, 0)];
}
