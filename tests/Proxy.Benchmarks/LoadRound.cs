namespace Proxy.Benchmarks;

/// <summary>One round of concurrent calls: how many completed, in how long.</summary>
internal readonly record struct LoadRound(long Requests, TimeSpan Elapsed)
{
    public double PerSecond => Requests / Elapsed.TotalSeconds;
}
