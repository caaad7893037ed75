using Microsoft.Extensions.Options;
using Proxy.Quota;

namespace Proxy.Tiers;

/// <summary>The tiers table's name, and the names of the tiers the settings give it as defaults.</summary>
internal sealed class TierOptionsValidator(IOptions<QuotaOptions> quotaOptions) : IValidateOptions<TierOptions>
{
    public ValidateOptionsResult Validate(string? name, TierOptions options)
    {
        var failures = new List<string>();
        if (options.TableName.Length is < 3 or > 63 || !char.IsAsciiLetter(options.TableName[0]) || !options.TableName.All(char.IsAsciiLetterOrDigit))
        {
            failures.Add("Proxy__Tiers__TableName must be 3 to 63 letters and digits, starting with a letter (a table name).");
        }

        foreach (var tier in quotaOptions.Value.Tiers.Keys)
        {
            if (TierLimits.IsFree(tier))
            {
                failures.Add($"Proxy__Quota__Tiers__{tier}__RequestsPerHour names the free tier: set Proxy__Quota__FreeRequestsPerHour instead.");
            }
            else if (!TierName.IsWellFormed(tier))
            {
                failures.Add($"Proxy__Quota__Tiers__<name>: a tier name must be 1 to {TierName.MaxLength} letters, digits, '-' or '_'.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
