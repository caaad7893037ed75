using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Quota.Simulation;

/// <summary>
/// The counter protocol under every fault, checked by deterministic simulation (docs/quota.md): for each seed, several
/// processes running the production counter code against a simulated table that loses answers, times out, lands requests
/// late, refuses and hangs, with limits changed, processes killed, the hour turning and bursts of made-up keys. A failing
/// seed names itself and runs the same way again (<see cref="Seed_ReplaysTheSameRun"/>).
/// </summary>
public sealed class CounterSimulationTests(ITestOutputHelper output)
{
    /// <summary>Seeds of the fast layer; the slow layer runs many more.</summary>
    private const int FastSeeds = 5_000;

    private const int SlowSeeds = 200_000;

    [Fact]
    public void EverySeed_KeepsTheInvariants() => RunSeeds(1, FastSeeds);

    [Fact]
    [Trait(Layer.Name, Layer.Slow)]
    public void ManyMoreSeeds_KeepTheInvariants() => RunSeeds(FastSeeds + 1, SlowSeeds);

    [Fact]
    public void Seed_ReplaysTheSameRun()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("QUOTA_SIMULATION_SEED"), out var given) ? given : 7;
        var trace = new List<string>();
        var first = new CounterSimulation(seed, trace.Add);
        var violations = first.Run();
        var second = new CounterSimulation(seed);
        var again = second.Run();

        output.WriteLine(first.Describe());
        violations.ToList().ForEach(output.WriteLine);
        if (violations.Count > 0 || Environment.GetEnvironmentVariable("QUOTA_SIMULATION_TRACE") == "1")
        {
            trace.ForEach(output.WriteLine);
        }

        Assert.Equal(first.Describe(), second.Describe());
        Assert.Equal(violations, again);
        Assert.Empty(violations);
    }

    private void RunSeeds(int from, int count)
    {
        var failures = new List<string>();
        var (requests, calls) = (0L, 0L);
        for (var seed = from; seed < from + count && failures.Count < 5; seed++)
        {
            var simulation = new CounterSimulation(seed);
            var violations = simulation.Run();
            (requests, calls) = (requests + simulation.Load.Requests, calls + simulation.Load.Calls);
            if (violations.Count > 0)
            {
                failures.Add(simulation.Describe() + "\n  " + string.Join("\n  ", violations) +
                    $"\n  replay: QUOTA_SIMULATION_SEED={seed} ./scripts/test.sh --in-process (CounterSimulationTests.Seed_ReplaysTheSameRun)");
            }
        }

        output.WriteLine($"{count} seeds from {from}: {requests} requests, {calls} store calls ({calls / (double)Math.Max(1, requests):F2} a request, probes and retries included)");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
