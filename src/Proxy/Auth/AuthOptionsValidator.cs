using Microsoft.Extensions.Options;
using Proxy.Forwarding;

namespace Proxy.Auth;

internal sealed class AuthOptionsValidator(IOptions<UpstreamOptions> upstreamOptions) : IValidateOptions<AuthOptions>
{
    // About 300 bytes a key (the key, its id, the entry): 1,000,000 keys stay under 300 MB.
    private const int MaxKeyIdCacheSize = 1_000_000;

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        if (options.Mode == AuthMode.Managed && string.IsNullOrEmpty(upstreamOptions.Value.ApiKey))
        {
            failures.Add("Proxy__Auth__Mode=Managed needs Proxy__Upstream__ApiKey: clients' keys are the proxy's own, not the upstream's.");
        }

        if (options.KeyRefreshInterval <= TimeSpan.Zero)
        {
            failures.Add("Proxy__Auth__KeyRefreshInterval must be positive.");
        }

        if (options.KeyIdCacheSize is < 0 or > MaxKeyIdCacheSize)
        {
            failures.Add($"Proxy__Auth__KeyIdCacheSize must be between 0 and {MaxKeyIdCacheSize}.");
        }

        if (string.IsNullOrWhiteSpace(options.KeysTableName))
        {
            failures.Add("Proxy__Auth__KeysTableName must name a table.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
