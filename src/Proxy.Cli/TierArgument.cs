using System.CommandLine.Parsing;
using Proxy.Tiers;

namespace Proxy.Cli;

/// <summary>
/// A tier's name on the command line: refused before any storage call when it cannot be one (usage error, exit 2), and not
/// echoed then, since what was pasted there may be a key.
/// </summary>
internal static class TierArgument
{
    public static void Validate(SymbolResult result, string? name)
    {
        if (name is not null && !TierName.IsWellFormed(name))
        {
            result.AddError($"The tier name is not one: use 1 to {TierName.MaxLength} letters, digits, '-' or '_' ('proxy-cli tiers list' shows the tiers).");
        }
    }
}
