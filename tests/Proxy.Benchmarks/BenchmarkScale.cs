namespace Proxy.Benchmarks;

/// <summary>
/// How many rounds the benchmark runs and how long each is. <see cref="Short"/> (<c>--short</c>) only checks that the
/// measurement works end to end; its figures are too few to hold against the goals.
/// </summary>
internal sealed record BenchmarkScale(int WarmUpRequests, int LatencyRounds, int LatencyRequestsPerRound, int ThroughputRounds, TimeSpan ThroughputRound)
{
    public static BenchmarkScale Full { get; } = new(WarmUpRequests: 1000, LatencyRounds: 10, LatencyRequestsPerRound: 500, ThroughputRounds: 5, ThroughputRound: TimeSpan.FromSeconds(3));

    public static BenchmarkScale Short { get; } = new(WarmUpRequests: 200, LatencyRounds: 3, LatencyRequestsPerRound: 100, ThroughputRounds: 2, ThroughputRound: TimeSpan.FromSeconds(1));
}
