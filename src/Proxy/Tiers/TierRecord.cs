namespace Proxy.Tiers;

/// <summary>A tier as the tiers table holds it: its name (lowercase) and hourly limit (null: none).</summary>
public sealed record TierRecord(string Name, int? RequestsPerHour);
