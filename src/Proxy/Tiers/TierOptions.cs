namespace Proxy.Tiers;

/// <summary>Where tiers and their hourly limits are kept. Bound from <c>Proxy:Tiers</c> (<c>Proxy__Tiers__*</c>).</summary>
public sealed class TierOptions
{
    public const string SectionName = "Proxy:Tiers";

    /// <summary>
    /// The table of tiers, shared by every proxy instance and the CLI. Filled from <c>Proxy__Quota__FreeRequestsPerHour</c>
    /// and <c>Proxy__Quota__Tiers__*</c> on its first read; from then on it, not the settings, holds the limits.
    /// </summary>
    public string TableName { get; set; } = "tiers";
}
