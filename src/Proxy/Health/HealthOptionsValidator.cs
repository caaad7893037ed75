using Microsoft.Extensions.Options;

namespace Proxy.Health;

internal sealed class HealthOptionsValidator : IValidateOptions<HealthOptions>
{
    private static readonly TimeSpan s_shortestCache = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_longestCache = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan s_longestProbe = TimeSpan.FromSeconds(30);

    public ValidateOptionsResult Validate(string? name, HealthOptions options)
    {
        var failures = new List<string>();

        // Below a second, a client calling /health in a loop would make as many storage calls.
        if (options.CacheDuration < s_shortestCache || options.CacheDuration > s_longestCache)
        {
            failures.Add("Proxy__Health__CacheDuration must be from 00:00:01 to 00:05:00.");
        }

        if (options.ProbeTimeout <= TimeSpan.Zero || options.ProbeTimeout > s_longestProbe)
        {
            failures.Add("Proxy__Health__ProbeTimeout must be positive and at most 00:00:30.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
