using System.CommandLine;
using System.Text.Json;
using Proxy.Auth;
using Proxy.Failures;
using Proxy.Usage;

namespace Proxy.Cli;

/// <summary>
/// <c>failures summary | show | report | tail</c>: analysis of the archive, computed from its rows, narrowed by the
/// filters. An option that is not one is a usage error (exit 2); a report that cannot be written, exit 1.
/// </summary>
internal static class FailureCommands
{
    /// <summary>The bounds of <c>tail --interval</c>: often enough to feel live, and at most one poll a second per operator.</summary>
    private static readonly TimeSpan s_shortestInterval = TimeSpan.FromSeconds(1), s_longestInterval = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan s_defaultInterval = TimeSpan.FromSeconds(2);

    /// <summary>The most records <c>tail --count</c> waits for.</summary>
    private const int MostRecords = 10_000;

    private static readonly JsonSerializerOptions s_indented = new(FailureJsonContext.Default.Options) { WriteIndented = true };

    public static Command Create(OperatorServices services, TextWriter output, TextWriter error)
    {
        var htmlOption = new Option<FileInfo>("--html") { Description = "The HTML file to write.", Required = true };
        var jsonOption = new Option<bool>("--json") { Description = "Print the summary as one JSON object instead of text." };
        var requestIdArgument = new Argument<string>("request-id") { Description = "The request id, as in the error body and x-request-id." };

        var summary = new Command("summary", "Counts by kind, status, path, model and key, latency percentiles, top messages, and every hour of the window.") { jsonOption };
        var summaryWindow = new TimeWindowOptions();
        var summaryFilter = new FailureFilterOptions();
        summaryWindow.AddTo(summary);
        summaryFilter.AddTo(summary);
        summary.SetAction(async (parse, cancellationToken) =>
        {
            var loaded = await LoadAsync(summaryWindow.Read(parse, services.Get<TimeProvider>().GetUtcNow()), summaryFilter.Read(parse), cancellationToken);
            if (parse.GetValue(jsonOption))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(FailureSummaryDocument.Of(loaded), FailureSummaryJsonContext.Default.FailureSummaryDocument));
            }
            else
            {
                loaded.WriteText(output);
            }

            return 0;
        });

        var show = new Command("show", "Print the archived failure records of one request.") { requestIdArgument };
        show.SetAction(async (parse, cancellationToken) =>
        {
            var id = parse.GetValue(requestIdArgument)!;
            var records = await services.Get<FailureArchive>().FindAsync(id, cancellationToken);
            if (records.Count == 0)
            {
                await error.WriteLineAsync($"No archived failure has request id {id}.");
                return 1;
            }

            foreach (var record in records)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(record, s_indented));
            }

            return 0;
        });

        var report = new Command("report", "Write a self-contained HTML page: failures per hour by kind, requests and error rate, latency percentiles, every hour of the window.") { htmlOption };
        var reportWindow = new TimeWindowOptions();
        var reportFilter = new FailureFilterOptions();
        reportWindow.AddTo(report);
        reportFilter.AddTo(report);
        report.SetAction(async (parse, cancellationToken) =>
        {
            var file = parse.GetValue(htmlOption)!;
            if (file.Directory is { Exists: false } folder)
            {
                await error.WriteLineAsync($"The folder {folder.FullName} does not exist: create it first, or give --html a path in an existing folder.");
                return 1;
            }

            var loaded = await LoadAsync(reportWindow.Read(parse, services.Get<TimeProvider>().GetUtcNow()), reportFilter.Read(parse), cancellationToken);
            try
            {
                await File.WriteAllTextAsync(file.FullName, FailureReportPage.Render(loaded), cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"Could not write {file.FullName}: check that it is not a folder and that this user may write there.");
                return 1;
            }

            await output.WriteLineAsync($"Wrote {file.FullName}: {loaded.Total} failures in {loaded.PerHour.Count} hours.");
            return 0;
        });

        var tail = CreateTail(services, output, error);
        return new Command("failures", "Analyse archived failures.") { summary, show, report, tail };

        async Task<FailureSummary> LoadAsync(TimeWindow window, FailureFilter filter, CancellationToken cancellationToken)
        {
            var records = await services.Get<FailureArchive>().ReadBetweenAsync(window.From, window.Until, cancellationToken);
            var usage = await UsageAsync(services.Get<UsageTable>(), window, filter, cancellationToken);
            return FailureSummary.Of(records, window, filter, await KeyNamesAsync(services, cancellationToken), usage);
        }
    }

    /// <summary>
    /// The ledger's requests and failures per hour of the window, summed over the keys the filter's key matches (every
    /// key without one); null when the ledger has no rows for them. Quota refusals count as failed, as the archive counts
    /// them as failures.
    /// </summary>
    private static async Task<IReadOnlyDictionary<DateTimeOffset, HourUsage>?> UsageAsync(UsageTable ledger, TimeWindow window, FailureFilter filter, CancellationToken cancellationToken)
    {
        var first = TimeWindow.TopOfHour(window.From);
        var rows = (await ledger.ReadAsync(window.From, window.Until, filter.KeyPrefix, cancellationToken))
            .Where(row => row.Hour >= first && row.Hour < window.Until)
            .ToList();
        return rows.Count == 0
            ? null
            : rows.GroupBy(row => row.Hour).ToDictionary(hour => hour.Key, hour => new HourUsage(hour.Sum(row => row.Requests), hour.Sum(row => row.Failed + row.Refused)));
    }

    private static Command CreateTail(OperatorServices services, TextWriter output, TextWriter error)
    {
        var intervalOption = DurationOption.Create("--interval", "How often to look for new records, 1s to 60s (default 2s).",
            s_shortestInterval, s_longestInterval, "1s to 60s", "5s");
        var countOption = WholeNumberOption.Create("--count", $"Stop after this many records, 1 to {MostRecords}.", "a whole number of records", 1, MostRecords, 100);
        var forOption = DurationOption.Create("--for", "Stop after this long (30s, 10m, 2h).", TimeSpan.FromSeconds(1), DurationArgument.Longest, "1s to 3650d", "10m");

        var tail = new Command("tail", "Print failure records as they are archived, one line each, until Ctrl+C (or --count, --for).") { intervalOption, countOption, forOption };
        var filterOptions = new FailureFilterOptions();
        filterOptions.AddTo(tail);
        tail.SetAction(async (parse, cancellationToken) =>
        {
            var interval = parse.GetValue(intervalOption) ?? s_defaultInterval;
            var duration = parse.GetValue(forOption);
            var filter = filterOptions.Read(parse);
            var watcher = new FailureTail(services.Get<FailureArchive>(), services.Get<TimeProvider>(), filter, await KeyNamesAsync(services, cancellationToken), output, error);
            return await watcher.RunAsync(interval, parse.GetValue(countOption), duration, cancellationToken);
        });
        return tail;
    }

    /// <summary>The registered keys' names, by the id prefix failure records carry.</summary>
    private static async Task<IReadOnlyDictionary<string, string>> KeyNamesAsync(OperatorServices services, CancellationToken cancellationToken) =>
        (await services.Get<KeyTable>().ListAsync(cancellationToken))
            .Where(key => !string.IsNullOrEmpty(key.Name))
            .GroupBy(key => ApiKeyHash.Prefix(key.KeyId), StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.First().Name!, StringComparer.Ordinal);
}
