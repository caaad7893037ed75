namespace Proxy.Cli;

/// <summary>A key's failures: its id as records carry it, and its name from the keys table when it has one there.</summary>
internal sealed record KeyCount(string KeyId, string? Name, int Count);
