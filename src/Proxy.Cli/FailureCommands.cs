using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Proxy.Failures;

namespace Proxy.Cli;

/// <summary><c>failures summary | show | report</c>: analysis of the archive, computed from its rows.</summary>
internal static class FailureCommands
{
    private static readonly JsonSerializerOptions s_indented = new(FailureJsonContext.Default.Options) { WriteIndented = true };

    public static Command Create(IServiceProvider services, TextWriter output)
    {
        var archive = services.GetRequiredService<FailureArchive>();
        var time = services.GetRequiredService<TimeProvider>();

        var sinceOption = new Option<string>("--since") { Description = "How far back: 90m, 24h, 7d (default 24h).", DefaultValueFactory = _ => "24h" };
        var htmlOption = new Option<FileInfo>("--html") { Description = "The HTML file to write.", Required = true };
        var requestIdArgument = new Argument<string>("request-id") { Description = "The request id, as in the error body and x-request-id." };

        var summary = new Command("summary", "Counts by kind, status, path, model and key, top messages, and failures per hour.") { sinceOption };
        summary.SetAction(async (parse, cancellationToken) =>
        {
            if (await LoadAsync(parse.GetValue(sinceOption)!, cancellationToken) is not { } loaded)
            {
                return 2;
            }

            loaded.WriteText(output);
            return 0;
        });

        var show = new Command("show", "Print the archived failure records of one request.") { requestIdArgument };
        show.SetAction(async (parse, cancellationToken) =>
        {
            var id = parse.GetValue(requestIdArgument)!;
            var records = await archive.FindAsync(id, cancellationToken);
            if (records.Count == 0)
            {
                await Console.Error.WriteLineAsync($"No archived failure has request id {id}.");
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
            if (await LoadAsync(parse.GetValue(sinceOption)!, cancellationToken) is not { } loaded)
            {
                return 2;
            }

            var file = parse.GetValue(htmlOption)!;
            await File.WriteAllTextAsync(file.FullName, FailureReportPage.Render(loaded), cancellationToken);
            await output.WriteLineAsync($"Wrote {file.FullName}: {loaded.Total} failures in {loaded.PerHour.Count} hours.");
            return 0;
        });

        return new Command("failures", "Analyse archived failures.") { summary, show, report };

        async Task<FailureSummary?> LoadAsync(string sinceText, CancellationToken cancellationToken)
        {
            if (!DurationArgument.TryParse(sinceText, out var lookBack))
            {
                await Console.Error.WriteLineAsync($"--since '{sinceText}' is not a duration such as 90m, 24h or 7d.");
                return null;
            }

            var since = time.GetUtcNow() - lookBack;
            return FailureSummary.Of(await archive.ReadSinceAsync(since, cancellationToken), since);
        }
    }
}
