namespace Proxy.Tiers;

/// <summary>One read of the tiers table: every tier, and those this read added from the settings because the table had none.</summary>
public sealed record TierTableRead(IReadOnlyList<TierRecord> Tiers, IReadOnlyList<TierRecord> Seeded);
