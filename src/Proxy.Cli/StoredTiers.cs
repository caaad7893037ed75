using Proxy.Tiers;

namespace Proxy.Cli;

/// <summary>
/// The tiers as the proxy enforces them: the tiers table, read through the same <see cref="TierTable"/> and limits as the
/// proxy's. A table nobody has filled yet is filled from this CLI's settings, as a proxy would from its own, and the
/// operator is told so.
/// </summary>
internal static class StoredTiers
{
    public static async Task<TierLimits> ReadAsync(OperatorServices services, TextWriter error, CancellationToken cancellationToken)
    {
        var table = services.Get<TierTable>();
        var read = await table.ReadAsync(cancellationToken);
        if (read.Seeded.Count > 0)
        {
            await error.WriteLineAsync(
                $"The tiers table '{table.Name}' had no tiers yet: filled it from this CLI's settings ({TierLimits.Of(read.Seeded).Description}); " +
                "'proxy-cli tiers set' changes them.");
        }

        return TierLimits.Of(read.Tiers);
    }

    /// <summary>The message for a tier the table does not have: the ones it has, and how to add this one.</summary>
    public static string Unknown(string tier, TierLimits limits) =>
        $"No tier '{tier}' exists; the tiers are: {limits.Names}. Use one of them, or add it with 'proxy-cli tiers set {tier} --limit N'.";
}
