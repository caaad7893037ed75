namespace Proxy.Tiers;

/// <summary>
/// A tier as the tiers table holds it: its name (lowercase), hourly request limit and hourly token limit (prompt plus
/// completion tokens; null: none, the default).
/// </summary>
public sealed record TierRecord(string Name, int? RequestsPerHour, long? TokensPerHour = null);
