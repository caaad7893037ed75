using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Proxy.Quota;

namespace Proxy.Tiers;

/// <summary>
/// The <c>Proxy__Quota__Free*</c> and <c>Proxy__Quota__Tiers__*</c> settings this process was given. They fill a fresh
/// tiers table and nothing more: once filled, the table holds the limits for every instance and the CLI. A setting that
/// differs from the table is called out (event 3006) rather than applied, since an instance applying its own would
/// disagree with the others and with what <c>proxy-cli tiers list</c> shows.
/// </summary>
public sealed class TierSettings(IConfiguration quotaSection, IOptions<QuotaOptions> quotaOptions)
{
    private static readonly TierSetting[] s_settings =
    [
        new("RequestsPerHour", tier => tier.RequestsPerHour, value => TierLimits.DescribeLimit(value is null ? null : (int)value), "--limit", "--no-limit"),
        new("TokensPerHour", tier => tier.TokensPerHour, value => value is null ? "no token limit" : TierLimits.DescribeTokens(value), "--tokens", "--no-tokens"),
        new("DefaultMaxTokens", tier => tier.DefaultMaxTokens, value => "default max tokens " + (value is { } tokens ? Count(tokens) : "from Proxy__Tokens__DefaultMaxTokens"),
            "--default-max-tokens", "--no-default-max-tokens"),
    ];

    /// <summary>Each setting given (in the environment or <c>local.settings.json</c>) whose value <paramref name="table"/> does not have.</summary>
    public IEnumerable<TierSettingOverride> OverriddenBy(TierLimits table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var options = quotaOptions.Value;
        var given = options.Tiers
            .Select(tier => (Name: tier.Key, Prefix: $"Tiers:{tier.Key}:", Record: new TierRecord(tier.Key, tier.Value.RequestsPerHour, tier.Value.TokensPerHour, tier.Value.DefaultMaxTokens)))
            .Prepend((Name: QuotaOptions.FreeTier, Prefix: "Free", Record: new TierRecord(QuotaOptions.FreeTier, options.FreeRequestsPerHour, options.FreeTokensPerHour, options.FreeDefaultMaxTokens)));
        foreach (var (name, prefix, record) in given)
        {
            var inTable = table.TryGet(name, out var tableRecord) ? tableRecord : null;
            foreach (var setting in s_settings)
            {
                var key = prefix + setting.Property;
                var value = setting.Of(record);
                if (quotaSection[key] is null || (inTable is not null && setting.Of(inTable) == value))
                {
                    continue;
                }

                var tier = TierName.Normalize(name);
                yield return new TierSettingOverride(
                    $"{QuotaOptions.SectionName}:{key}".Replace(":", "__", StringComparison.Ordinal),
                    setting.Describe(value),
                    inTable is null ? $"no tier {tier}" : $"{tier}: {setting.Describe(setting.Of(inTable))}",
                    $"proxy-cli tiers set {tier} " + (value is { } number ? $"{setting.Option} {Count(number)}" : setting.NoneOption));
            }
        }
    }

    private static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed record TierSetting(string Property, Func<TierRecord, long?> Of, Func<long?, string> Describe, string Option, string NoneOption);
}
