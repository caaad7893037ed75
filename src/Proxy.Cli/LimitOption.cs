using System.CommandLine;

namespace Proxy.Cli;

/// <summary>
/// <c>--limit N</c>, for a key or a tier: a whole number of requests per hour, 1 or more. Zero or less is a usage error,
/// since the proxy would send it on as <c>X-RateLimit-Limit</c> and refuse every request.
/// </summary>
internal static class LimitOption
{
    public static Option<int?> Create(string description, string instead)
    {
        var option = new Option<int?>("--limit") { Description = description };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 and var limit)
            {
                result.AddError($"--limit must be a whole number of requests per hour, 1 or more (not {limit}); {instead}.");
            }
        });
        return option;
    }
}
