using System.CommandLine;
using Proxy.Auth;
using Proxy.Tiers;

namespace Proxy.Cli;

/// <summary>
/// <c>tiers list | set | remove</c>: the tiers table every proxy instance enforces. What the command line alone gets wrong
/// is a usage error (exit 2, before any storage call); what the tables do not allow is exit 1.
/// </summary>
internal static class TierCommands
{
    private const string Reach = "running proxies apply it within their Proxy__Auth__KeyRefreshInterval";

    public static Command Create(OperatorServices services, TextWriter output, TextWriter error)
    {
        var tierArgument = new Argument<string>("tier") { Description = $"The tier's name: 1 to {TierName.MaxLength} letters, digits, '-' or '_'." };
        tierArgument.Validators.Add(result => TierArgument.Validate(result, result.GetValueOrDefault<string>()));
        var limitOption = LimitOption.Create("Requests per hour for each key of the tier that has no limit of its own: 1 or more.",
            "for no limit, give --no-limit");
        var noLimitOption = new Option<bool>("--no-limit") { Description = "The tier's keys get no hourly limit." };
        var tokensOption = TokensOption.Create();
        var noTokensOption = new Option<bool>("--no-tokens") { Description = "The tier's keys get no hourly token limit (the default)." };
        var defaultMaxTokensOption = DefaultMaxTokensOption.Create();
        var noDefaultMaxTokensOption = new Option<bool>("--no-default-max-tokens")
        {
            Description = "A request of the tier's keys that sets no max_tokens reserves the deployment's Proxy__Tokens__DefaultMaxTokens (the default).",
        };

        var list = new Command("list", "List the tiers, their hourly request and token limits and how many keys are in each.");
        list.SetAction(async (_, cancellationToken) =>
        {
            var limits = await StoredTiers.ReadAsync(services, error, cancellationToken);
            var keys = await services.Get<KeyTable>().ListAsync(cancellationToken);
            await output.WriteLineAsync($"{"TIER",-34}{"LIMIT",-12}{"TOKENS",-20}{"DEFAULT MAX",-13}KEYS");
            foreach (var tier in limits.Tiers)
            {
                await output.WriteLineAsync(
                    $"{tier.Name,-34}{TierLimits.DescribeLimit(tier.RequestsPerHour),-12}{TierLimits.DescribeTokens(tier.TokensPerHour),-20}" +
                    $"{TierLimits.DescribeDefaultMaxTokens(tier.DefaultMaxTokens),-13}{KeysIn(keys, tier.Name).Count}");
            }

            return 0;
        });

        var set = new Command("set", "Add a tier, or change its hourly request or token limit; what is not given stays as it was.")
        {
            tierArgument, limitOption, noLimitOption, tokensOption, noTokensOption, defaultMaxTokensOption, noDefaultMaxTokensOption,
        };
        set.Validators.Add(result =>
        {
            var limit = result.GetResult(limitOption) is not null;
            var noLimit = result.GetValue(noLimitOption);
            var tokens = result.GetResult(tokensOption) is not null;
            var noTokens = result.GetValue(noTokensOption);
            var defaultMax = result.GetResult(defaultMaxTokensOption) is not null;
            var noDefaultMax = result.GetValue(noDefaultMaxTokensOption);
            if (limit && noLimit)
            {
                result.AddError("--limit and --no-limit contradict each other: give --limit N for an hourly limit, or --no-limit for none.");
            }
            else if (tokens && noTokens)
            {
                result.AddError("--tokens and --no-tokens contradict each other: give --tokens N for an hourly token limit, or --no-tokens for none.");
            }
            else if (defaultMax && noDefaultMax)
            {
                result.AddError("--default-max-tokens and --no-default-max-tokens contradict each other: give one of them.");
            }
            else if (!limit && !noLimit && !tokens && !noTokens && !defaultMax && !noDefaultMax)
            {
                result.AddError(
                    "Nothing to set: give --limit N (requests per hour) or --no-limit, and/or --tokens N (tokens per hour) or --no-tokens, " +
                    "and/or --default-max-tokens N or --no-default-max-tokens.");
            }
        });
        set.SetAction(async (parse, cancellationToken) =>
        {
            var name = TierName.Normalize(parse.GetValue(tierArgument)!);
            var setsLimit = parse.GetValue(noLimitOption) || parse.GetResult(limitOption) is not null;
            var setsTokens = parse.GetValue(noTokensOption) || parse.GetResult(tokensOption) is not null;
            var setsDefaultMax = parse.GetValue(noDefaultMaxTokensOption) || parse.GetResult(defaultMaxTokensOption) is not null;
            var limits = await StoredTiers.ReadAsync(services, error, cancellationToken);
            if (!limits.TryGet(name, out var existing))
            {
                if (!setsLimit)
                {
                    await error.WriteLineAsync($"No tier '{name}' exists yet: give its request limit too (--limit N or --no-limit) to add it. Nothing was changed.");
                    return 1;
                }

                var added = Apply(new TierRecord(name, null, null, null));
                await services.Get<TierTable>().SetAsync(added, cancellationToken);
                await output.WriteLineAsync($"Added tier {name}: {Describe(added)}; {Reach}.");
                return 0;
            }

            var tier = Apply(existing);
            if (tier == existing)
            {
                await output.WriteLineAsync($"Tier {name} is already {Describe(tier)}; nothing was changed.");
            }
            else
            {
                await services.Get<TierTable>().SetAsync(tier, cancellationToken);
                await output.WriteLineAsync($"Tier {name}: {Describe(tier)} (was {Describe(existing)}); {Reach}.");
            }

            return 0;

            // What the options set, over basis: a setting not given stays as basis has it.
            TierRecord Apply(TierRecord basis) => basis with
            {
                RequestsPerHour = setsLimit ? (parse.GetValue(noLimitOption) ? null : parse.GetValue(limitOption)) : basis.RequestsPerHour,
                TokensPerHour = setsTokens ? (parse.GetValue(noTokensOption) ? null : parse.GetValue(tokensOption)) : basis.TokensPerHour,
                DefaultMaxTokens = setsDefaultMax ? (parse.GetValue(noDefaultMaxTokensOption) ? null : parse.GetValue(defaultMaxTokensOption)) : basis.DefaultMaxTokens,
            };
        });

        var remove = new Command("remove", "Remove a tier no key is in.") { tierArgument };
        remove.SetAction(async (parse, cancellationToken) =>
        {
            var name = TierName.Normalize(parse.GetValue(tierArgument)!);
            if (TierLimits.IsFree(name))
            {
                await error.WriteLineAsync(
                    "The free tier cannot be removed: it is the tier of every key without one, and of any key in pass-through mode. " +
                    "Change its limit instead: 'proxy-cli tiers set free --limit N' (or --no-limit).");
                return 1;
            }

            var limits = await StoredTiers.ReadAsync(services, error, cancellationToken);
            if (!limits.TryGet(name, out _))
            {
                await error.WriteLineAsync($"No tier '{name}' exists; the tiers are: {limits.Names}.");
                return 1;
            }

            var inTier = KeysIn(await services.Get<KeyTable>().ListAsync(cancellationToken), name);
            if (inTier.Count > 0)
            {
                var ids = string.Join(", ", inTier.Take(5).Select(key => ApiKeyHash.Prefix(key.KeyId))) + (inTier.Count > 5 ? ", …" : string.Empty);
                await error.WriteLineAsync(
                    $"{inTier.Count} {(inTier.Count == 1 ? "key is" : "keys are")} in tier {name} ({ids}): move {(inTier.Count == 1 ? "it" : "them")} " +
                    $"first with 'proxy-cli keys set <id> --tier <other>', then remove the tier. Nothing was removed.");
                return 1;
            }

            await services.Get<TierTable>().RemoveAsync(name, cancellationToken);
            await output.WriteLineAsync($"Removed tier {name}; {Reach}.");
            return 0;
        });

        return new Command("tiers", "List and change the tiers and their hourly request and token limits, as every proxy instance enforces them.") { list, set, remove };
    }

    /// <summary>
    /// <c>100/h</c>, or <c>100/h, 5000 tokens/h</c> for a tier with a token limit, and <c>, default max_tokens 256</c> for a
    /// tier with a default of its own.
    /// </summary>
    private static string Describe(TierRecord tier) =>
        TierLimits.DescribeLimit(tier.RequestsPerHour) + (tier.TokensPerHour is null ? string.Empty : ", " + TierLimits.DescribeTokens(tier.TokensPerHour))
        + (tier.DefaultMaxTokens is null ? string.Empty : ", default max_tokens " + TierLimits.DescribeDefaultMaxTokens(tier.DefaultMaxTokens));

    private static List<KeyRecord> KeysIn(IReadOnlyList<KeyRecord> keys, string tier) =>
        [.. keys.Where(key => key.Tier.Equals(tier, StringComparison.OrdinalIgnoreCase)).OrderBy(key => key.KeyId, StringComparer.Ordinal)];
}
