using System.CommandLine;

namespace Proxy.Cli;

/// <summary>
/// <c>--tokens N</c>, for a tier: a whole number of tokens (prompt plus completion) per key and hour, from 1 (zero or less
/// would refuse every request) to <see cref="Most"/>.
/// </summary>
internal static class TokensOption
{
    /// <summary>A billion tokens an hour for one key: far past any model's throughput, so a larger number is a typing slip.</summary>
    public const long Most = 1_000_000_000;

    public static Option<long?> Create() =>
        WholeNumberOption.Create("--tokens", "Tokens (prompt plus completion) per hour for each key of the tier: 1 to 1,000,000,000.",
            "a whole number of tokens per hour", 1L, Most, 100_000L, "for no token limit, give --no-tokens");
}
