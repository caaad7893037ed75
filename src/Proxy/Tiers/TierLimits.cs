using System.Collections.Frozen;
using System.Globalization;
using Proxy.Auth;
using Proxy.Quota;

namespace Proxy.Tiers;

/// <summary>
/// The tiers in effect and the hourly limit each gives: what the proxy enforces and the CLI shows, computed in this one
/// place from one read of the tiers table.
/// </summary>
public sealed class TierLimits
{
    private readonly FrozenDictionary<string, TierRecord> _byName;

    private TierLimits(IEnumerable<TierRecord> tiers)
    {
        _byName = tiers.ToFrozenDictionary(tier => tier.Name, StringComparer.OrdinalIgnoreCase);
        Tiers = [.. _byName.Values.OrderBy(tier => !IsFree(tier.Name)).ThenBy(tier => tier.Name, StringComparer.Ordinal)];
        Description = string.Join(", ", Tiers.Select(tier =>
            $"{tier.Name} {DescribeLimit(tier.RequestsPerHour)}" + (tier.TokensPerHour is null ? string.Empty : " " + DescribeTokens(tier.TokensPerHour))));
    }

    /// <summary>The free tier first, then the others by name.</summary>
    public IReadOnlyList<TierRecord> Tiers { get; }

    /// <summary>Every tier and its limits, for a log line or a message: <c>free 10/h 5000 tokens/h, gold 100/h, staff unlimited</c>.</summary>
    public string Description { get; }

    /// <summary>The tiers' names, for a message that lists them.</summary>
    public string Names => string.Join(", ", Tiers.Select(tier => tier.Name));

    public static TierLimits Of(IEnumerable<TierRecord> tiers) => new(tiers);

    public static bool IsFree(string tier) => tier.Equals(QuotaOptions.FreeTier, StringComparison.OrdinalIgnoreCase);

    public static string DescribeLimit(int? limit) => limit is { } perHour ? perHour.ToString(CultureInfo.InvariantCulture) + "/h" : "unlimited";

    /// <summary>A token limit as the CLI and log lines show it: <c>5000 tokens/h</c>, or <c>-</c> for none.</summary>
    public static string DescribeTokens(long? limit) => limit is { } perHour ? perHour.ToString(CultureInfo.InvariantCulture) + " tokens/h" : "-";

    /// <summary>A tier's default completion cap as the CLI shows it: <c>256</c>, or <c>-</c> for the deployment's.</summary>
    public static string DescribeDefaultMaxTokens(long? tokens) => tokens is { } value ? value.ToString(CultureInfo.InvariantCulture) : "-";

    public bool TryGet(string tier, out TierRecord record) => _byName.TryGetValue(tier, out record!);

    /// <summary>
    /// The hourly limit of <paramref name="tier"/> (null: none). A tier the table does not have (a key row written by hand,
    /// or a tier removed since) counts as free: a key never gets more by naming what does not exist.
    /// </summary>
    public int? LimitFor(string tier) => RecordFor(tier)?.RequestsPerHour;

    /// <summary>The hourly token limit of <paramref name="tier"/> (null: none), counting an unknown tier as free like <see cref="LimitFor"/>.</summary>
    public long? TokensFor(string tier) => RecordFor(tier)?.TokensPerHour;

    /// <summary>The limit a key gets: its own, if the keys table gives it one, else its tier's.</summary>
    public int? LimitOf(KeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.RequestsPerHour ?? LimitFor(key.Tier);
    }

    /// <summary>
    /// What <paramref name="tier"/> gives, else the free tier (see <see cref="LimitFor"/>); null only for a table without
    /// the free tier. One lookup for both limits, so a key's token limit costs the request path nothing more.
    /// </summary>
    public TierRecord? RecordFor(string tier) =>
        _byName.TryGetValue(tier, out var record) || _byName.TryGetValue(QuotaOptions.FreeTier, out record) ? record : null;
}
