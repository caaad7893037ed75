using Microsoft.Extensions.Options;
using Proxy.Quota;
using Proxy.Usage;

namespace Proxy.Tokens;

/// <summary>Token limits are counted from the usage ledger: settings that give one with the ledger off would never hold.</summary>
internal sealed class TokenLimitSettingsValidator(IOptions<UsageOptions> usageOptions) : IValidateOptions<QuotaOptions>
{
    public ValidateOptionsResult Validate(string? name, QuotaOptions options) =>
        !usageOptions.Value.Enabled && (options.FreeTokensPerHour is not null || options.Tiers.Values.Any(tier => tier.TokensPerHour is not null))
            ? ValidateOptionsResult.Fail("A token limit (Proxy__Quota__FreeTokensPerHour or Proxy__Quota__Tiers__<name>__TokensPerHour) needs the usage ledger: " +
                "remove it, or set Proxy__Usage__Enabled to true.")
            : ValidateOptionsResult.Success;
}
