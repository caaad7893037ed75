using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Proxy.Auth;
using Proxy.Usage;

namespace Proxy.Cli;

/// <summary>
/// <c>usage [--key ID] [--since DURATION] [--json]</c>: the usage ledger per key and UTC hour, summed over the proxy's
/// instances, with each key's name from the keys table. A key in pass-through mode is in no table, so <c>--key</c> is
/// matched against the ledger's own key ids: every key whose id starts with it is shown.
/// </summary>
internal static class UsageCommands
{
    public static Command Create(OperatorServices services, TextWriter output)
    {
        var keyOption = new Option<string?>("--key") { Description = "A key id, or the start of one, as 'proxy-cli keys list' prints it." };
        keyOption.Validators.Add(result =>
        {
            if (!KeyIdPrefix.IsWellFormed(result.GetValueOrDefault<string?>()))
            {
                result.AddError(KeyIdPrefix.NotAnId.Replace("key-id argument", "--key value", StringComparison.Ordinal));
            }
        });
        var sinceOption = DurationOption.Create("--since", "How far back: 90m, 24h, 7d, 2w (default 24h).", TimeSpan.FromSeconds(1), DurationArgument.Longest,
            "1s to 3650d", "7d");
        var jsonOption = new Option<bool>("--json") { Description = "Print a JSON array of rows instead of a table." };

        var usage = new Command("usage", "Requests, failures, refusals, tokens, bytes and latency per key and UTC hour, from the usage ledger.")
        {
            keyOption, sinceOption, jsonOption,
        };
        usage.SetAction(async (parse, cancellationToken) =>
        {
            var lookBack = parse.GetValue(sinceOption) ?? TimeSpan.FromHours(24);
            var now = services.Get<TimeProvider>().GetUtcNow();
            var hours = await services.Get<UsageTable>().ReadAsync(now - lookBack, now, parse.GetValue(keyOption), cancellationToken);
            var names = (await services.Get<KeyTable>().ListAsync(cancellationToken)).ToDictionary(record => record.KeyId, record => record.Name, StringComparer.Ordinal);
            var rows = hours.Select(hour => (Hour: hour, Name: names.GetValueOrDefault(hour.KeyId))).ToList();
            await output.WriteAsync(parse.GetValue(jsonOption) ? Json(rows) : Text(rows));
            return 0;
        });
        return usage;
    }

    private static string Text(List<(UsageHour Hour, string? Name)> rows)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{"HOUR",-18}{"KEY",-14}{"NAME",-20}{"REQUESTS",10}{"OK",10}{"FAILED",8}{"CLIENT",8}{"UPSTREAM",9}{"PROXY",7}{"REFUSED",9}{"PROMPT",10}{"COMPLETION",12}{"P50MS",8}{"P95MS",8}");
        foreach (var (hour, name) in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{hour.Hour:yyyy-MM-dd HH}:00Z   {ApiKeyHash.Prefix(hour.KeyId),-14}{Cut(name ?? "-"),-20}{hour.Requests,10}{hour.Succeeded,10}{hour.Failed,8}" +
                $"{hour.FailedClient,8}{hour.FailedUpstream,9}{hour.FailedProxy,7}{hour.Refused,9}{hour.PromptTokens,10}{hour.CompletionTokens,12}" +
                $"{Ms(hour.Latency.EstimateMs(0.5)),8}{Ms(hour.Latency.EstimateMs(0.95)),8}");
        }

        if (rows.Count == 0)
        {
            text.AppendLine("No usage in this period.");
        }

        return text.ToString();

        static string Cut(string name) => name.Length <= 19 ? name : name[..18] + "…";
        static string Ms(long? ms) => ms?.ToString(CultureInfo.InvariantCulture) ?? "-";
    }

    private static string Json(List<(UsageHour Hour, string? Name)> rows)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var (hour, name) in rows)
            {
                json.WriteStartObject();
                json.WriteString("keyId", ApiKeyHash.Prefix(hour.KeyId));
                json.WriteString("name", name);
                json.WriteString("hour", hour.Hour.UtcDateTime.ToString("yyyy-MM-dd'T'HH':00:00Z'", CultureInfo.InvariantCulture));
                json.WriteNumber("requests", hour.Requests);
                json.WriteNumber("succeeded", hour.Succeeded);
                json.WriteNumber("failed", hour.Failed);
                json.WriteNumber("failedClient", hour.FailedClient);
                json.WriteNumber("failedUpstream", hour.FailedUpstream);
                json.WriteNumber("failedProxy", hour.FailedProxy);
                json.WriteNumber("refused", hour.Refused);
                json.WriteNumber("promptTokens", hour.PromptTokens);
                json.WriteNumber("completionTokens", hour.CompletionTokens);
                json.WriteNumber("requestBytes", hour.RequestBytes);
                json.WriteNumber("responseBytes", hour.ResponseBytes);
                json.WriteStartObject("latency");
                json.WriteNumber("count", hour.Latency.Count);
                json.WriteNumber("sumMs", hour.Latency.SumMs);
                json.WriteNumber("maxMs", hour.Latency.MaxMs);
                WriteEstimate(json, "p50Ms", hour.Latency.EstimateMs(0.5));
                WriteEstimate(json, "p95Ms", hour.Latency.EstimateMs(0.95));
                WriteEstimate(json, "p99Ms", hour.Latency.EstimateMs(0.99));
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }

    private static void WriteEstimate(Utf8JsonWriter json, string name, long? ms)
    {
        if (ms is { } value)
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
