namespace Proxy.Benchmarks;

/// <summary>What one run measures: everything, or one comparison alone (<c>--peers-only</c>, <c>--quota-only</c>).</summary>
internal enum BenchmarkParts
{
    All,
    PeersOnly,
    QuotaOnly,
}
