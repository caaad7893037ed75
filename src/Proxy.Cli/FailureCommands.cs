using System.CommandLine;
using System.Text.Json;
using Proxy.Failures;

namespace Proxy.Cli;

/// <summary>
/// <c>failures summary | show | report</c>: analysis of the archive, computed from its rows. A look-back that is not one
/// is a usage error (exit 2); a report that cannot be written, exit 1.
/// </summary>
internal static class FailureCommands
{
    private static readonly JsonSerializerOptions s_indented = new(FailureJsonContext.Default.Options) { WriteIndented = true };

    public static Command Create(OperatorServices services, TextWriter output, TextWriter error)
    {
        var sinceOption = new Option<string>("--since") { Description = "How far back: 90m, 24h, 7d, 2w (default 24h).", DefaultValueFactory = _ => "24h" };
        sinceOption.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string>();
            if (!DurationArgument.TryParse(text, out _))
            {
                result.AddError($"--since '{text}' is not a duration: use a number with m, h, d or w (90m, 24h, 7d, 2w), or a time span such as 01:30:00.");
            }
        });
        var htmlOption = new Option<FileInfo>("--html") { Description = "The HTML file to write.", Required = true };
        var requestIdArgument = new Argument<string>("request-id") { Description = "The request id, as in the error body and x-request-id." };

        var summary = new Command("summary", "Counts by kind, status, path, model and key, top messages, and failures per hour.") { sinceOption };
        summary.SetAction(async (parse, cancellationToken) =>
        {
            (await LoadAsync(parse.GetValue(sinceOption)!, cancellationToken)).WriteText(output);
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

        var report = new Command("report", "Write a self-contained HTML page with a chart of failures per hour by kind.") { sinceOption, htmlOption };
        report.SetAction(async (parse, cancellationToken) =>
        {
            var file = parse.GetValue(htmlOption)!;
            if (file.Directory is { Exists: false } folder)
            {
                await error.WriteLineAsync($"The folder {folder.FullName} does not exist: create it first, or give --html a path in an existing folder.");
                return 1;
            }

            var loaded = await LoadAsync(parse.GetValue(sinceOption)!, cancellationToken);
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

        return new Command("failures", "Analyse archived failures.") { summary, show, report };

        // The option's validator has already refused a look-back that does not parse.
        async Task<FailureSummary> LoadAsync(string sinceText, CancellationToken cancellationToken)
        {
            var lookBack = DurationArgument.TryParse(sinceText, out var parsed) ? parsed : throw new ArgumentException("--since was not validated.", nameof(sinceText));
            var since = services.Get<TimeProvider>().GetUtcNow() - lookBack;
            return FailureSummary.Of(await services.Get<FailureArchive>().ReadSinceAsync(since, cancellationToken), since);
        }
    }
}
