using System.CommandLine;

namespace Proxy.Cli;

/// <summary>
/// <c>--limit N</c>, for a key or a tier: a whole number of requests per hour, 1 or more, and at most what the keys and
/// tiers tables hold (a 32-bit number). Zero or less would be sent on as <c>X-RateLimit-Limit</c> and refuse every request.
/// </summary>
internal static class LimitOption
{
    public static Option<int?> Create(string description, string instead) =>
        WholeNumberOption.Create("--limit", description, "a whole number of requests per hour", 1, int.MaxValue, 100, instead);
}
