namespace Proxy.Cli;

/// <summary>
/// One UTC hour: its failures (the total and the count of each kind), their latency, and the ledger's requests when
/// it has any for the hour.
/// </summary>
internal sealed record HourCounts(DateTimeOffset Hour, int Total, IReadOnlyList<(string Name, int Count)> ByKind, LatencyPercentiles? Latency, HourUsage? Usage);
