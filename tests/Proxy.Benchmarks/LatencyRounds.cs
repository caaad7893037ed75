namespace Proxy.Benchmarks;

/// <summary>
/// Sequential calls (concurrency 1) to several targets in rounds in which every target takes its turn, after a warm-up
/// of each, so that machine drift hits them all alike.
/// </summary>
internal static class LatencyRounds
{
    /// <summary>Each target's latencies: all of them, and each round's p50 and p99, so that a difference can be taken round by round.</summary>
    public static async Task<(List<double> All, List<double> P50s, List<double> P99s)[]> RunAsync(BenchmarkScale scale, params Func<Task>[] targets)
    {
        foreach (var target in targets)
        {
            await Load.SequentialAsync(target, scale.WarmUpRequests);
        }

        var results = targets.Select(_ => (All: new List<double>(), P50s: new List<double>(), P99s: new List<double>())).ToArray();
        for (var round = 0; round < scale.LatencyRounds; round++)
        {
            for (var i = 0; i < targets.Length; i++)
            {
                var latencies = await Load.SequentialAsync(targets[i], scale.LatencyRequestsPerRound);
                results[i].All.AddRange(latencies);
                results[i].P50s.Add(Samples.Percentile(latencies, 0.5));
                results[i].P99s.Add(Samples.Percentile(latencies, 0.99));
            }
        }

        return results;
    }

    public static List<double> Deltas(List<double> minuends, List<double> subtrahends) =>
        minuends.Zip(subtrahends, (minuend, subtrahend) => minuend - subtrahend).ToList();
}
