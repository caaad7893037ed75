using System.Buffers.Text;
using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Proxy.Auth;
using Proxy.Quota;

namespace Proxy.Cli;

/// <summary><c>keys create | list | set | disable | enable | usage</c>.</summary>
internal static class KeyCommands
{
    public static Command Create(IServiceProvider services, TextWriter output)
    {
        var keys = services.GetRequiredService<KeyTable>();
        var counters = services.GetRequiredService<QuotaCounterStore>();
        var quota = services.GetRequiredService<IOptions<QuotaOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();

        var nameOption = new Option<string?>("--name") { Description = "A label for the key, such as its owner." };
        var tierOption = new Option<string?>("--tier") { Description = $"The key's tier (default {QuotaOptions.FreeTier})." };
        var limitOption = new Option<int?>("--limit") { Description = "Requests per hour for this key, over its tier's." };
        var noLimitOption = new Option<bool>("--tier-limit") { Description = "Remove the key's own limit; its tier's applies again." };
        var idArgument = new Argument<string>("key-id") { Description = "The key's id, or enough of its start to be unique." };

        var create = new Command("create", "Create a key. It is printed once; only its hash is stored.") { nameOption, tierOption, limitOption };
        create.SetAction(async (parse, cancellationToken) =>
        {
            var key = "sk-" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
            var record = new KeyRecord(ApiKeyHash.Of(key), parse.GetValue(nameOption), parse.GetValue(tierOption) ?? QuotaOptions.FreeTier,
                parse.GetValue(limitOption), Disabled: false, time.GetUtcNow());
            await keys.AddAsync(record, cancellationToken);
            await output.WriteLineAsync($"key: {key}");
            await output.WriteLineAsync($"id:  {ApiKeyHash.Prefix(record.KeyId)}");
            await output.WriteLineAsync("The key is shown this once; the proxy keeps only its hash.");
            return 0;
        });

        var list = new Command("list", "List registered keys.");
        list.SetAction(async (_, cancellationToken) =>
        {
            await output.WriteLineAsync($"{"ID",-14}{"NAME",-20}{"TIER",-10}{"LIMIT",-8}{"STATE",-10}CREATED");
            foreach (var record in (await keys.ListAsync(cancellationToken)).OrderBy(r => r.CreatedAt))
            {
                await output.WriteLineAsync(
                    $"{ApiKeyHash.Prefix(record.KeyId),-14}{record.Name ?? "-",-20}{record.Tier,-10}{Describe(LimitOf(record)),-8}" +
                    $"{(record.Disabled ? "disabled" : "enabled"),-10}{record.CreatedAt:yyyy-MM-dd HH:mm}Z");
            }

            return 0;
        });

        var set = new Command("set", "Change a key's tier or its own hourly limit.") { idArgument, tierOption, limitOption, noLimitOption };
        set.SetAction((parse, cancellationToken) => UpdateAsync(parse.GetValue(idArgument)!, record => record with
        {
            Tier = parse.GetValue(tierOption) ?? record.Tier,
            RequestsPerHour = parse.GetValue(noLimitOption) ? null : parse.GetValue(limitOption) ?? record.RequestsPerHour,
        }, cancellationToken));

        var disable = new Command("disable", "Refuse a key with 403 from now on.") { idArgument };
        disable.SetAction((parse, cancellationToken) => UpdateAsync(parse.GetValue(idArgument)!, record => record with { Disabled = true }, cancellationToken));

        var enable = new Command("enable", "Accept a disabled key again.") { idArgument };
        enable.SetAction((parse, cancellationToken) => UpdateAsync(parse.GetValue(idArgument)!, record => record with { Disabled = false }, cancellationToken));

        var usage = new Command("usage", "Show a key's requests this UTC hour.") { idArgument };
        usage.SetAction(async (parse, cancellationToken) =>
        {
            if (await FindAsync(parse.GetValue(idArgument)!, cancellationToken) is not { } found)
            {
                return 1;
            }

            var now = time.GetUtcNow();
            var window = QuotaWindow.Containing(now);
            var count = (await counters.ReadAsync(found.Record.KeyId, window, cancellationToken))?.Count ?? 0;
            await output.WriteLineAsync(
                $"{ApiKeyHash.Prefix(found.Record.KeyId)}: {count} of {Describe(LimitOf(found.Record))} requests in {window.Start:yyyy-MM-dd HH}:00Z, " +
                $"resets in {(int)Math.Ceiling(window.ResetAfter(now).TotalMinutes)} min");
            return 0;
        });

        return new Command("keys", "Create and manage API keys.") { create, list, set, disable, enable, usage };

        async Task<(KeyRecord Record, Azure.ETag ETag)?> FindAsync(string id, CancellationToken cancellationToken)
        {
            var found = await keys.FindAsync(id.ToLowerInvariant(), cancellationToken);
            if (found is null)
            {
                await Console.Error.WriteLineAsync($"No single key has an id starting with '{id}'.");
            }

            return found;
        }

        async Task<int> UpdateAsync(string id, Func<KeyRecord, KeyRecord> change, CancellationToken cancellationToken)
        {
            if (await FindAsync(id, cancellationToken) is not { } found)
            {
                return 1;
            }

            var changed = change(found.Record);
            await keys.UpdateAsync(changed, found.ETag, cancellationToken);
            await output.WriteLineAsync(
                $"{ApiKeyHash.Prefix(changed.KeyId)}: tier {changed.Tier}, limit {Describe(LimitOf(changed))}, {(changed.Disabled ? "disabled" : "enabled")}");
            return 0;
        }

        int? LimitOf(KeyRecord record) => record.RequestsPerHour ?? quota.LimitFor(record.Tier);
    }

    private static string Describe(int? limit) => limit?.ToString(CultureInfo.InvariantCulture) ?? "none";
}
