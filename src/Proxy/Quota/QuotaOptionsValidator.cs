using Microsoft.Extensions.Options;

namespace Proxy.Quota;

internal sealed class QuotaOptionsValidator : IValidateOptions<QuotaOptions>
{
    public ValidateOptionsResult Validate(string? name, QuotaOptions options)
    {
        var failures = new List<string>();
        if (options.FreeRequestsPerHour < 0)
        {
            failures.Add("Proxy__Quota__FreeRequestsPerHour must be 0 or more, or empty for no limit.");
        }

        if (options.FreeTokensPerHour < 1)
        {
            failures.Add("Proxy__Quota__FreeTokensPerHour must be 1 or more, or empty for no token limit.");
        }

        if (options.FreeDefaultMaxTokens < 0)
        {
            failures.Add("Proxy__Quota__FreeDefaultMaxTokens must be 0 or more, or empty for Proxy__Tokens__DefaultMaxTokens.");
        }

        foreach (var (tier, tierOptions) in options.Tiers)
        {
            if (tierOptions.RequestsPerHour < 0)
            {
                failures.Add($"Proxy__Quota__Tiers__{tier}__RequestsPerHour must be 0 or more, or empty for no limit.");
            }

            if (tierOptions.TokensPerHour < 1)
            {
                failures.Add($"Proxy__Quota__Tiers__{tier}__TokensPerHour must be 1 or more, or empty for no token limit.");
            }

            if (tierOptions.DefaultMaxTokens < 0)
            {
                failures.Add($"Proxy__Quota__Tiers__{tier}__DefaultMaxTokens must be 0 or more, or empty for Proxy__Tokens__DefaultMaxTokens.");
            }
        }

        if (options.StoreTimeout <= TimeSpan.Zero || options.ProbeInterval <= TimeSpan.Zero)
        {
            failures.Add("Proxy__Quota__StoreTimeout and Proxy__Quota__ProbeInterval must be positive.");
        }

        if (options.MaxConcurrentStoreWrites < 1 || options.MaxConcurrentNewKeys < 1 || options.MaxConcurrentNewKeys > options.MaxConcurrentStoreWrites)
        {
            failures.Add("Proxy__Quota__MaxConcurrentStoreWrites and Proxy__Quota__MaxConcurrentNewKeys must be at least 1, the second no more than the first.");
        }

        if (options.MaxKeysInMemory is < 100 or > 10_000_000)
        {
            failures.Add("Proxy__Quota__MaxKeysInMemory must be from 100 to 10000000.");
        }

        if (options.StoreQueueLimit < 0)
        {
            failures.Add("Proxy__Quota__StoreQueueLimit must be 0 or more.");
        }

        if (options.TablePrefix.Length is < 3 or > 55 || !char.IsAsciiLetter(options.TablePrefix[0]) || !options.TablePrefix.All(char.IsAsciiLetterOrDigit))
        {
            failures.Add("Proxy__Quota__TablePrefix must be 3 to 55 letters and digits, starting with a letter (a table name with the date appended).");
        }

        if (options.ExhaustedRecheckInterval <= TimeSpan.Zero)
        {
            failures.Add("Proxy__Quota__ExhaustedRecheckInterval must be positive.");
        }

        foreach (var path in UncountedPaths.Entries(options.UncountedPaths))
        {
            if (path[0] != '/' || path.IndexOf('*', StringComparison.Ordinal) is >= 0 and var star && star != path.Length - 1)
            {
                failures.Add($"Proxy__Quota__UncountedPaths: '{path}' must start with '/' and may only end with '*'.");
            }
        }

        if (options.RetentionDays < 1)
        {
            failures.Add("Proxy__Quota__RetentionDays must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
