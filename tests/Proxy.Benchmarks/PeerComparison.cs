using System.Globalization;

namespace Proxy.Benchmarks;

/// <summary>
/// The upstream called directly, a bare YARP forwarder, nginx (when installed) and the proxy with the quota off, in one
/// interleaved run: latency rounds at concurrency 1, then throughput rounds at <c>concurrency</c> in which each
/// peer's CPU time (from /proc, its process and children) and, for .NET peers, its allocation are read before and after
/// its turn. Every figure is per round, so that its noise is the spread between rounds and a ratio is taken within one.
/// </summary>
internal sealed class PeerComparison(BenchmarkScale scale, int concurrency)
{
    /// <summary>
    /// The peers in the order they are measured in each round; <paramref name="proxyWithoutLedger"/> is the same proxy as
    /// <paramref name="proxy"/> with the usage ledger off, so that the ledger's own cost is a difference taken within the run.
    /// </summary>
    public async Task<(IReadOnlyList<string> Table, IReadOnlyList<Figure> Figures)> RunAsync(Peer direct, Peer bareYarp, Peer? nginx, Peer proxyWithoutLedger, Peer proxy)
    {
        Peer[] peers = nginx is null ? [direct, bareYarp, proxyWithoutLedger, proxy] : [direct, bareYarp, nginx, proxyWithoutLedger, proxy];
        var latencies = await LatencyRounds.RunAsync(scale, peers.Select(peer => (Func<Task>)(() => Load.ChatAsync(peer.Client))).ToArray());
        var measured = peers.Select((peer, i) => new Measured(peer, latencies[i].All, latencies[i].P50s, latencies[i].P99s)).ToArray();

        var overheads = new long[peers.Length];
        for (var i = 0; i < peers.Length; i++)
        {
            await Load.RoundAsync(_ => Load.ChatAsync(peers[i].Client), concurrency, TimeSpan.FromSeconds(1));
            overheads[i] = peers[i] is { IsDotNet: true, ProcessId: { } id } ? await AllocatedBytes.OverheadAsync(id) : 0;
        }

        for (var round = 0; round < scale.ThroughputRounds; round++)
        {
            for (var i = 0; i < peers.Length; i++)
            {
                await MeasureRoundAsync(measured[i], overheads[i]);
            }
        }

        var (directRun, bareRun, withoutLedgerRun, proxyRun) = (measured[0], measured[1], measured[^2], measured[^1]);
        return (Table(measured, directRun, bareRun), [.. Goals(directRun, bareRun, proxyRun), LedgerLatency(withoutLedgerRun, proxyRun)]);
    }

    private async Task MeasureRoundAsync(Measured measured, long allocationOverhead)
    {
        var id = measured.Peer.ProcessId;
        var allocatedBefore = measured.Peer.IsDotNet && id is { } dotNet ? await AllocatedBytes.ReadAsync(dotNet) : 0;
        var cpuBefore = id is { } before ? ProcessCpu.Of(before) : TimeSpan.Zero;
        var round = await Load.RoundAsync(_ => Load.ChatAsync(measured.Peer.Client), concurrency, scale.ThroughputRound);
        var cpuAfter = id is { } after ? ProcessCpu.Of(after) : TimeSpan.Zero;
        var allocatedAfter = measured.Peer.IsDotNet && id is { } dotNetAfter ? await AllocatedBytes.ReadAsync(dotNetAfter) : 0;

        measured.Throughputs.Add(round.PerSecond);
        measured.CpuMicroseconds.Add((cpuAfter - cpuBefore).TotalMicroseconds / round.Requests);
        measured.BytesAllocated.Add((allocatedAfter - allocatedBefore - allocationOverhead) / (double)round.Requests);
    }

    private List<string> Table(Measured[] measured, Measured direct, Measured bare)
    {
        var lines = new List<string>
        {
            $"| peer | throughput at concurrency {concurrency} | ÷ direct | ÷ bare YARP | CPU per request | ÷ bare YARP | allocation per request | added p50 at concurrency 1 | added p99 at concurrency 1 |",
            "|---|---|---|---|---|---|---|---|---|",
        };
        foreach (var run in measured)
        {
            var isDirect = ReferenceEquals(run, direct);
            var measuresCpu = run.Peer.ProcessId is not null;
            lines.Add(string.Join(" | ",
                "| " + run.Peer.Name,
                Samples.Cell(run.Throughputs, "F0", " req/s"),
                isDirect ? "1" : Samples.Cell(Samples.Ratios(run.Throughputs, direct.Throughputs), "F3", " ×"),
                isDirect ? "-" : Samples.Cell(Samples.Ratios(run.Throughputs, bare.Throughputs), "F3", " ×"),
                measuresCpu ? Samples.Cell(run.CpuMicroseconds, "F1", " µs") : "not measured",
                measuresCpu ? Samples.Cell(Samples.Ratios(run.CpuMicroseconds, bare.CpuMicroseconds), "F3", " ×") : "-",
                run.Peer.IsDotNet ? Samples.Cell(run.BytesAllocated, "F0", " B") : "-",
                isDirect ? "0" : AddedCell(run.All, run.P50s, direct.All, direct.P50s, 0.5),
                isDirect ? "0" : AddedCell(run.All, run.P99s, direct.All, direct.P99s, 0.99)) + " |");
        }

        return lines;
    }

    /// <summary>The goals for the quota off, against bare YARP, and the proxy's own against direct.</summary>
    private List<Figure> Goals(Measured direct, Measured bare, Measured proxy)
    {
        var overDirect = Samples.Ratios(proxy.Throughputs, direct.Throughputs);
        var overBare = Samples.Ratios(proxy.Throughputs, bare.Throughputs);
        var cpuOverBare = Samples.Ratios(proxy.CpuMicroseconds, bare.CpuMicroseconds);
        var allocationOverBare = LatencyRounds.Deltas(proxy.BytesAllocated, bare.BytesAllocated);
        return
        [
            new Figure("added latency, forwarding only (quota off), concurrency 1: p50", Added(proxy.All, direct.All, 0.5), "ms", 0.3, "≤ 0.3 ms",
                Samples.StandardDeviation(LatencyRounds.Deltas(proxy.P50s, direct.P50s))),
            new Figure("added latency, forwarding only (quota off), concurrency 1: p99", Added(proxy.All, direct.All, 0.99), "ms", 1.0, "≤ 1 ms",
                Samples.StandardDeviation(LatencyRounds.Deltas(proxy.P99s, direct.P99s))),
            new Figure($"throughput at concurrency {concurrency}, forwarding only, proxied ÷ direct", overDirect.Average(), "×", 0.5, "≥ 0.5",
                Samples.StandardDeviation(overDirect), HigherIsBetter: true),
            new Figure($"quota off: throughput at concurrency {concurrency} ÷ bare YARP", overBare.Average(), "×", 0.97, "≥ 0.97",
                Samples.StandardDeviation(overBare), HigherIsBetter: true),
            new Figure("quota off: CPU per request ÷ bare YARP", cpuOverBare.Average(), "×", 1.05, "≤ 1.05", Samples.StandardDeviation(cpuOverBare)),
            new Figure("quota off: allocation per request over bare YARP", allocationOverBare.Average(), "B", 512, "≤ bare YARP + 512 B",
                Samples.StandardDeviation(allocationOverBare)),
            new Figure("quota off: added p50 at concurrency 1 over bare YARP", Added(proxy.All, bare.All, 0.5), "ms", 0.01, "≤ bare YARP + 0.01 ms",
                Samples.StandardDeviation(LatencyRounds.Deltas(proxy.P50s, bare.P50s))),
        ];
    }

    /// <summary>The usage ledger's goal: no added latency that the rounds can tell from their own spread.</summary>
    private static Figure LedgerLatency(Measured withoutLedger, Measured proxy) =>
        new("usage ledger: added p50 at concurrency 1 (ledger on − off)", Added(proxy.All, withoutLedger.All, 0.5), "ms", 0, "none measurable (≤ 0 ms + noise)",
            Samples.StandardDeviation(LatencyRounds.Deltas(proxy.P50s, withoutLedger.P50s)));

    private static double Added(List<double> latencies, List<double> baseline, double percentile) =>
        Samples.Percentile(latencies, percentile) - Samples.Percentile(baseline, percentile);

    private static string AddedCell(List<double> latencies, List<double> perRound, List<double> baseline, List<double> baselinePerRound, double percentile) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Added(latencies, baseline, percentile):F3} ms ± {Samples.StandardDeviation(LatencyRounds.Deltas(perRound, baselinePerRound)):F3}");



    /// <summary>One peer's figures, round by round.</summary>
    private sealed record Measured(Peer Peer, List<double> All, List<double> P50s, List<double> P99s)
    {
        public List<double> Throughputs { get; } = [];

        public List<double> CpuMicroseconds { get; } = [];

        public List<double> BytesAllocated { get; } = [];
    }
}
