using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Proxy.Auth;
using Proxy.Quota;
using Proxy.Storage;

namespace Proxy.Tests.Quota.Simulation;

/// <summary>
/// The quota's load on Table storage at scale, from the same simulation as its proof: <c>processes</c> proxies, each the
/// production <see cref="QuotaLimiter"/> with the default settings, and a new key every 1/<c>rate</c> of a second (the
/// costliest traffic: every request an insert of a row no process has seen), with a fixed one-way latency to the store.
/// It counts the store calls (Azure's billable transactions) and the entities written per partition, to set against Azure
/// Table storage's scalability targets: 20,000 transactions a second per account, 2,000 entities a second per partition.
/// </summary>
internal static class ScaleSimulation
{
    public const double AccountTransactionsPerSecond = 20_000;
    public const double PartitionEntitiesPerSecond = 2_000;

    /// <summary>The points the benchmark prints: processes, and new keys a second over all of them.</summary>
    public static IEnumerable<(int Processes, int NewKeysPerSecond)> Points =>
        from processes in s_processes from rate in s_rates select (processes, rate);

    private static readonly int[] s_processes = [1, 4, 16];
    private static readonly int[] s_rates = [1_000, 5_000, 20_000, 40_000];

    /// <summary>Runs <paramref name="seconds"/> of simulated traffic and measures it.</summary>
    public static ScaleFigures Run(int processes, int newKeysPerSecond, int seconds = 2, double oneWayMilliseconds = 2.5, int seed = 1)
    {
        var random = new Random(seed);
        var time = new SimulatedTime(new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero));
        var scheduler = new SimulationScheduler(random, time);
        var table = new SimulatedTable(time);
        var options = new QuotaOptions();
        var stores = new List<SimulatedCounterStore>();
        var limiters = new List<QuotaLimiter>();
        for (var i = 0; i < processes; i++)
        {
            var store = new SimulatedCounterStore(table, time, time, scheduler, random, new SimulatedFaults(0, 0, 0, 0, 0), new SimulatedOutage(),
                TimeSpan.FromMilliseconds(oneWayMilliseconds));
            var circuit = new TableStoreCircuit(store.ProbeAsync, "simulated", Options.Create(options), Options.Create(new AuthOptions()), time,
                NullLogger<TableStoreCircuit>.Instance);
            stores.Add(store);
            limiters.Add(new QuotaLimiter(new QuotaCounterStore(store, options, time), circuit, Options.Create(options), time));
        }

        var requests = newKeysPerSecond * seconds;
        var admitted = 0;
        var shed = 0;
        async Task RequestAsync(int index)
        {
            await Task.Delay(TimeSpan.FromSeconds(index / (double)newKeysPerSecond), time);
            var lease = await limiters[index % processes].AcquireAsync(ApiKeyHash.Of($"sk-scale-{seed}-{index}"), 10);
            admitted += lease.Decision == QuotaDecision.Admitted ? 1 : 0;
            shed += lease.Decision == QuotaDecision.Shed ? 1 : 0;

            // The request is answered at once and succeeds: its key's counter is idle again, and may be forgotten.
            lease.Settle(null);
        }

        scheduler.Run(() =>
        {
            for (var i = 0; i < requests; i++)
            {
                _ = RequestAsync(i);
            }
        }, until: TimeSpan.FromSeconds(seconds + 60), afterStep: () => { });

        var elapsed = Math.Max(seconds, time.Elapsed.TotalSeconds);
        var calls = stores.Sum(store => store.Calls);
        return new ScaleFigures(processes, newKeysPerSecond, admitted, shed, calls / (double)Math.Max(1, admitted),
            calls / elapsed, table.WritesByPartition.Values.DefaultIfEmpty().Max() / elapsed);
    }
}

/// <summary>What one scale point cost: per admission, and per second per account and per partition.</summary>
internal sealed record ScaleFigures(
    int Processes, int NewKeysPerSecond, int Admitted, int Shed, double TransactionsPerAdmission, double AccountTransactionsPerSecond, double PeakPartitionEntitiesPerSecond)
{
    public bool MeetsTargets => AccountTransactionsPerSecond <= ScaleSimulation.AccountTransactionsPerSecond
        && PeakPartitionEntitiesPerSecond <= ScaleSimulation.PartitionEntitiesPerSecond && Shed == 0;

    public string Row() => string.Create(CultureInfo.InvariantCulture,
        $"| {Processes} | {NewKeysPerSecond:N0} | {Admitted:N0} | {Shed:N0} | {TransactionsPerAdmission:F2} | {AccountTransactionsPerSecond:N0} | {PeakPartitionEntitiesPerSecond:N0} | {(MeetsTargets ? "met" : "MISSED")} |");
}
