namespace Proxy.Benchmarks;

/// <summary>
/// One column of the side-by-side run: how to call it, and the process whose CPU time is read (null for the upstream
/// called directly) and whether it is a .NET process, whose allocation is read too.
/// </summary>
internal sealed record Peer(string Name, HttpClient Client, int? ProcessId, bool IsDotNet);
