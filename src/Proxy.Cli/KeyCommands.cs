using System.Buffers.Text;
using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Azure;
using Proxy.Auth;
using Proxy.Quota;

namespace Proxy.Cli;

/// <summary>
/// <c>keys create | list | set | disable | enable | rotate | delete | usage</c>. What the command line alone gets wrong is a
/// usage error (exit 2, before any storage call); what the keys or tiers table do not have is exit 1. Limits shown are the
/// proxy's: <see cref="Proxy.Tiers.TierLimits"/> over the tiers table. A key's id is the hash of its first secret and stays
/// when the secret is rotated, so that its counters, usage and failure records go on under it.
/// </summary>
internal static class KeyCommands
{
    public static Command Create(OperatorServices services, TextWriter output, TextWriter error)
    {
        var nameOption = new Option<string?>("--name") { Description = "A label for the key, such as its owner." };
        var tierOption = new Option<string?>("--tier") { Description = $"The key's tier (default {QuotaOptions.FreeTier}); one of those 'proxy-cli tiers list' shows." };
        tierOption.Validators.Add(result => TierArgument.Validate(result, result.GetValueOrDefault<string?>()));
        var limitOption = LimitOption.Create("Requests per hour for this key, over its tier's: 1 or more.", "to refuse a key, use 'proxy-cli keys disable'");
        var noLimitOption = new Option<bool>("--tier-limit") { Description = "Remove the key's own limit; its tier's applies again." };
        var idArgument = new Argument<string>("key-id") { Description = "The key's id, or enough of its start to be unique." };
        idArgument.Validators.Add(result =>
        {
            if (!KeyIdPrefix.IsWellFormed(result.GetValueOrDefault<string>()))
            {
                result.AddError(KeyIdPrefix.NotAnId);
            }
        });

        var create = new Command("create", "Create a key. It is printed once; only its hash is stored.") { nameOption, tierOption, limitOption };
        create.SetAction(async (parse, cancellationToken) =>
        {
            if (await ExistingTierAsync(parse.GetValue(tierOption) ?? QuotaOptions.FreeTier, cancellationToken) is not { } tier)
            {
                return 1;
            }

            var key = NewSecret();
            var record = new KeyRecord(ApiKeyHash.Of(key), parse.GetValue(nameOption), tier, parse.GetValue(limitOption), Disabled: false,
                services.Get<TimeProvider>().GetUtcNow());
            await services.Get<KeyTable>().AddAsync(record, cancellationToken);
            await ShowOnceAsync(key, record);
            return 0;
        });

        var list = new Command("list", "List registered keys.");
        list.SetAction(async (_, cancellationToken) =>
        {
            // Read before the header is printed, so that a storage failure is the only line.
            var records = await services.Get<KeyTable>().ListAsync(cancellationToken);
            var limits = await StoredTiers.ReadAsync(services, error, cancellationToken);
            await output.WriteLineAsync($"{"ID",-14}{"NAME",-20}{"TIER",-10}{"LIMIT",-8}{"STATE",-10}CREATED");
            foreach (var record in records.OrderBy(r => r.CreatedAt))
            {
                await output.WriteLineAsync(
                    $"{ApiKeyHash.Prefix(record.KeyId),-14}{record.Name ?? "-",-20}{record.Tier,-10}{Describe(limits.LimitOf(record)),-8}" +
                    $"{(record.Disabled ? "disabled" : "enabled"),-10}{record.CreatedAt:yyyy-MM-dd HH:mm}Z");
            }

            return 0;
        });

        var set = new Command("set", "Change a key's tier or its own hourly limit.") { idArgument, tierOption, limitOption, noLimitOption };
        set.Validators.Add(result =>
        {
            var limit = result.GetResult(limitOption) is not null;
            var tierLimit = result.GetValue(noLimitOption);
            if (limit && tierLimit)
            {
                result.AddError("--limit and --tier-limit contradict each other: give --limit N for the key's own limit, or --tier-limit to go back to its tier's.");
            }
            else if (!limit && !tierLimit && result.GetResult(tierOption) is null)
            {
                result.AddError("Nothing to change: give --tier NAME, --limit N or --tier-limit.");
            }
        });
        set.SetAction(async (parse, cancellationToken) =>
        {
            string? tier = null;
            if (parse.GetValue(tierOption) is { } asked && (tier = await ExistingTierAsync(asked, cancellationToken)) is null)
            {
                return 1;
            }

            return await UpdateAsync(parse.GetValue(idArgument)!, record => record with
            {
                Tier = tier ?? record.Tier,
                RequestsPerHour = parse.GetValue(noLimitOption) ? null : parse.GetValue(limitOption) ?? record.RequestsPerHour,
            }, cancellationToken);
        });

        var disable = new Command("disable", "Refuse a key with 403 from now on.") { idArgument };
        disable.SetAction((parse, cancellationToken) => UpdateAsync(parse.GetValue(idArgument)!, record => record with { Disabled = true }, cancellationToken));

        var enable = new Command("enable", "Accept a disabled key again.") { idArgument };
        enable.SetAction((parse, cancellationToken) => UpdateAsync(parse.GetValue(idArgument)!, record => record with { Disabled = false }, cancellationToken));

        var rotate = new Command("rotate", "Give a key a new secret, printed once; the old one is refused from the next key refresh. Its id, name, tier, limit and usage stay.")
        {
            idArgument,
        };
        rotate.SetAction(async (parse, cancellationToken) =>
        {
            var key = NewSecret();
            var written = await ChangeAsync(parse.GetValue(idArgument)!, record => record with { SecretHash = ApiKeyHash.Of(key) }, cancellationToken);
            if (written is null)
            {
                return 1;
            }

            await ShowOnceAsync(key, written);
            await output.WriteLineAsync("The old key is refused once running proxies read the keys table again (within their Proxy__Auth__KeyRefreshInterval).");
            return 0;
        });

        var delete = new Command("delete", "Remove a key: the proxies forget it at their next key refresh. Its usage and failure records are kept, under its id.") { idArgument };
        delete.SetAction(async (parse, cancellationToken) =>
        {
            if (await ChangeAsync(parse.GetValue(idArgument)!, _ => null, cancellationToken) is not { } deleted)
            {
                return 1;
            }

            await output.WriteLineAsync(
                $"Deleted key {ApiKeyHash.Prefix(deleted.KeyId)} ({deleted.Name ?? "no name"}): running proxies forget it within their " +
                "Proxy__Auth__KeyRefreshInterval (in managed mode they then refuse it). Its usage and failure records are kept under its id.");
            return 0;
        });

        var usage = new Command("usage", "Show a key's requests this UTC hour.") { idArgument };
        usage.SetAction(async (parse, cancellationToken) =>
        {
            if (await KeyIdPrefix.ResolveAsync(services.Get<KeyTable>(), parse.GetValue(idArgument)!, error, cancellationToken) is not { } found)
            {
                return 1;
            }

            var now = services.Get<TimeProvider>().GetUtcNow();
            var window = QuotaWindow.Containing(now);
            var count = (await services.Get<QuotaCounterStore>().ReadCountsAsync(found.Record.KeyId, window, cancellationToken))?.Requests ?? 0;
            var limit = (await StoredTiers.ReadAsync(services, error, cancellationToken)).LimitOf(found.Record);
            await output.WriteLineAsync(
                $"{ApiKeyHash.Prefix(found.Record.KeyId)}: {count} of {Describe(limit)} requests in {window.Start:yyyy-MM-dd HH}:00Z, " +
                $"resets in {(int)Math.Ceiling(window.ResetAfter(now).TotalMinutes)} min");
            return 0;
        });

        return new Command("keys", "Create and manage API keys.") { create, list, set, disable, enable, rotate, delete, usage };

        async Task<int> UpdateAsync(string id, Func<KeyRecord, KeyRecord> change, CancellationToken cancellationToken)
        {
            if (await ChangeAsync(id, change, cancellationToken) is not { } changed)
            {
                return 1;
            }

            var limit = (await StoredTiers.ReadAsync(services, error, cancellationToken)).LimitOf(changed);
            await output.WriteLineAsync(
                $"{ApiKeyHash.Prefix(changed.KeyId)}: tier {changed.Tier}, limit {Describe(limit)}, {(changed.Disabled ? "disabled" : "enabled")}");
            return 0;
        }

        // The record as written, or the key's last record when change gives null (the key is deleted); null when the key
        // is not found or was changed meanwhile (said on standard error).
        async Task<KeyRecord?> ChangeAsync(string id, Func<KeyRecord, KeyRecord?> change, CancellationToken cancellationToken)
        {
            var keys = services.Get<KeyTable>();
            if (await KeyIdPrefix.ResolveAsync(keys, id, error, cancellationToken) is not { } found)
            {
                return null;
            }

            var changed = change(found.Record);
            try
            {
                await (changed is null ? keys.DeleteAsync(found.Record, found.ETag, cancellationToken) : keys.UpdateAsync(changed, found.ETag, cancellationToken));
            }
            catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.NotFound)
            {
                await error.WriteLineAsync(ChangedMeanwhile(found.Record));
                return null;
            }

            return changed ?? found.Record;
        }

        async Task ShowOnceAsync(string key, KeyRecord record)
        {
            await output.WriteLineAsync($"key: {key}");
            await output.WriteLineAsync($"id:  {ApiKeyHash.Prefix(record.KeyId)}");
            await output.WriteLineAsync("The key is shown this once; the proxy keeps only its hash.");
        }

        // The proxy counts a key of a tier it does not have as free, so a mistyped tier would silently give the free limit.
        async Task<string?> ExistingTierAsync(string tier, CancellationToken cancellationToken)
        {
            var limits = await StoredTiers.ReadAsync(services, error, cancellationToken);
            if (limits.TryGet(tier, out var record))
            {
                return record.Name;
            }

            await error.WriteLineAsync(StoredTiers.Unknown(tier, limits));
            return null;
        }
    }

    /// <summary>A new secret: 32 random bytes, so that its hash names it alone and cannot be turned back into it.</summary>
    private static string NewSecret() => "sk-" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private static string ChangedMeanwhile(KeyRecord record) =>
        $"{ApiKeyHash.Prefix(record.KeyId)} was changed by someone else while this command ran; nothing was written. Run it again.";

    private static string Describe(int? limit) => limit?.ToString(CultureInfo.InvariantCulture) ?? "none";
}
