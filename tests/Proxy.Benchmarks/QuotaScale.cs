using System.Globalization;
using Proxy.Tests.Quota.Simulation;

namespace Proxy.Benchmarks;

/// <summary>
/// The quota's load on Azure Table storage at scale, from its simulation (<see cref="ScaleSimulation"/>): what a deployment
/// of N processes costs the store at M new keys a second, against the account's and a partition's targets, and the
/// highest rate of those run that meets them for each N. Measured on simulated time, so it says what the protocol costs,
/// not how fast this machine is.
/// </summary>
internal static class QuotaScale
{
    public static IReadOnlyList<string> Table()
    {
        var figures = ScaleSimulation.Points.Select(point => ScaleSimulation.Run(point.Processes, point.NewKeysPerSecond)).ToList();
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"Quota at scale (simulated: every request a new key, default settings, 2.5 ms each way to the store; Azure Table storage's targets: " +
                $"{ScaleSimulation.AccountTransactionsPerSecond:N0} transactions/s an account, {ScaleSimulation.PartitionEntitiesPerSecond:N0} entities/s a partition)"),
            string.Empty,
            "| processes | new keys/s | admitted | shed | transactions per admission | account transactions/s | busiest partition entities/s | targets |",
            "|---|---|---|---|---|---|---|---|",
        };
        lines.AddRange(figures.Select(figure => figure.Row()));
        lines.Add(string.Empty);
        foreach (var byProcesses in figures.GroupBy(figure => figure.Processes))
        {
            var highest = byProcesses.Where(figure => figure.MeetsTargets).Select(figure => figure.NewKeysPerSecond).DefaultIfEmpty().Max();
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{byProcesses.Key} process(es): meets the targets up to {highest:N0} new keys/s of those run"));
        }

        return lines;
    }
}
