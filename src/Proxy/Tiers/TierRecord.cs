namespace Proxy.Tiers;

/// <summary>
/// A tier as the tiers table holds it: its name (lowercase), hourly request limit, hourly token limit (prompt plus
/// completion tokens; null: none, the default), and the completion tokens reserved for a request of its keys that sets no
/// cap (null: <c>Proxy__Tokens__DefaultMaxTokens</c>).
/// </summary>
public sealed record TierRecord(string Name, int? RequestsPerHour, long? TokensPerHour = null, long? DefaultMaxTokens = null);
