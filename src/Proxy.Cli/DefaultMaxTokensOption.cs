using System.CommandLine;

namespace Proxy.Cli;

/// <summary>
/// <c>--default-max-tokens N</c>, for a tier: the completion tokens reserved for a request of its keys that sets no cap, a
/// whole number from 0 to <see cref="Most"/>.
/// </summary>
internal static class DefaultMaxTokensOption
{
    /// <summary>A million completion tokens: past any model's output limit, so a larger number is a typing slip.</summary>
    public const long Most = 1_000_000;

    public static Option<long?> Create() =>
        WholeNumberOption.Create("--default-max-tokens",
            "Completion tokens reserved for a request of the tier's keys that sets no max_tokens: 0 to 1,000,000.",
            "a whole number of tokens", 0L, Most, 1024L, "for the deployment's default, give --no-default-max-tokens");
}
