namespace Proxy.Cli;

/// <summary>One UTC hour of failures: the total and the count of each kind.</summary>
internal sealed record HourCounts(DateTimeOffset Hour, int Total, IReadOnlyList<(string Name, int Count)> ByKind);
