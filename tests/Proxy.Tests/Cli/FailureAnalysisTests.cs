using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Proxy.Failures;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Cli;

/// <summary>`failures summary`, `show` and `report` compute their figures from the archive: checked against a known set of records.</summary>
[Collection(OnStandaloneHost.Name)]
public sealed partial class FailureAnalysisTests(StandaloneHostFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _tableName = "failures" + Guid.NewGuid().ToString("N")[..8];
    private readonly DateTimeOffset _thisHour = TopOfHour(DateTimeOffset.UtcNow);

    /// <summary>Six records: three upstream errors last hour, two quota refusals and a 404 this hour.</summary>
    public async Task InitializeAsync()
    {
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow),
            new Dictionary<string, string?> { ["Proxy:Failures:TableName"] = _tableName });
        var archive = harness.Get<FailureArchive>();
        var lastHour = _thisHour.AddMinutes(-30);
        var thisHour = _thisHour.AddSeconds(5);
        FailureRecord[] records =
        [
            Known("known-1", lastHour, "upstream_error", 500, "/v1/chat/completions", "gpt-a", "aaaaaaaaaaaa", "Internal server error"),
            Known("known-2", lastHour, "upstream_error", 500, "/v1/chat/completions", "gpt-a", "aaaaaaaaaaaa", "Internal server error"),
            Known("known-3", lastHour, "upstream_error", 503, "/v1/chat/completions", "gpt-b", "bbbbbbbbbbbb", "Service unavailable"),
            Known("known-4", thisHour, "quota_exceeded", 429, "/v1/chat/completions", "gpt-b", "bbbbbbbbbbbb", "Free-tier limit"),
            Known("known-5", thisHour, "quota_exceeded", 429, "/v1/embeddings", "gpt-b", "bbbbbbbbbbbb", "Free-tier limit"),
            Known("known-6", thisHour, "not_found", 404, "/v3/models", null, null, "Not Found: the path is outside /v1/, /v2/."),
        ];
        foreach (var record in records)
        {
            await archive.ArchiveAsync(System.Text.Json.JsonSerializer.Serialize(record, FailureJsonContext.Default.FailureRecord));
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Summary_PrintsTheKnownCounts()
    {
        var (exitCode, text) = await CliAsync("failures", "summary", "--since", "2h");

        output.WriteLine(text);
        Assert.Equal(0, exitCode);
        Assert.Contains("Z: 6\n", text, StringComparison.Ordinal);
        Assert.Equal(["3  upstream_error", "2  quota_exceeded", "1  not_found"], Section(text, "By kind"));
        Assert.Equal(["2  429", "2  500", "1  404", "1  503"], Section(text, "By status"));
        Assert.Equal(["4  /v1/chat/completions", "1  /v1/embeddings", "1  /v3/models"], Section(text, "By path"));
        Assert.Equal(["3  gpt-b", "2  gpt-a", "1  (none)"], Section(text, "By model"));
        Assert.Equal(["3  bbbbbbbbbbbb", "2  aaaaaaaaaaaa", "1  (none)"], Section(text, "By key"));
        Assert.Equal("2  Free-tier limit", Section(text, "Top messages")[0]);
        var hours = Section(text, "Per hour (UTC)");
        Assert.Equal(2, hours.Count);
        Assert.StartsWith($"{_thisHour.AddHours(-1):yyyy-MM-dd HH}:00       3  upstream_error 3", hours[0], StringComparison.Ordinal);
        Assert.StartsWith($"{_thisHour:yyyy-MM-dd HH}:00       3  quota_exceeded 2, not_found 1", hours[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Summary_SinceExcludesOlderRecords()
    {
        var (_, text) = await CliAsync("failures", "summary", "--since", $"{(DateTimeOffset.UtcNow - _thisHour).TotalMinutes + 1:F0}m");

        Assert.Equal(["2  quota_exceeded", "1  not_found"], Section(text, "By kind"));
    }

    [Fact]
    public async Task Show_PrintsOneRecord()
    {
        var (exitCode, text) = await CliAsync("failures", "show", "known-3");

        Assert.Equal(0, exitCode);
        Assert.Contains("\"requestId\": \"known-3\"", text, StringComparison.Ordinal);
        Assert.Contains("\"statusCode\": 503", text, StringComparison.Ordinal);
        Assert.Equal(1, (await CliAsync("failures", "show", "no-such-request")).ExitCode);
    }

    [Fact]
    public async Task HtmlReport_OpensInChromiumWithItsChartDrawn()
    {
        var folder = Directory.CreateTempSubdirectory("failure-report-");
        var page = Path.Combine(folder.FullName, "report.html");
        var (exitCode, _) = await CliAsync("failures", "report", "--since", "2h", "--html", page);
        Assert.Equal(0, exitCode);

        var dom = await ChromiumAsync("--dump-dom", new Uri(page).AbsoluteUri);
        Assert.Contains("data-drawn=\"true\"", dom, StringComparison.Ordinal);
        var bars = BarElement().Matches(dom).Select(match => (match.Groups["kind"].Value, match.Groups["count"].Value)).Order().ToList();
        Assert.Equal([("not_found", "1"), ("quota_exceeded", "2"), ("upstream_error", "3")], bars);

        var screenshot = Path.Combine(folder.FullName, "report.png");
        await ChromiumAsync($"--screenshot={screenshot}", "--window-size=1000,900", new Uri(page).AbsoluteUri);
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot shows a page, not a blank");
        output.WriteLine($"screenshot (outside the repository): {screenshot}");
    }

    private Task<(int ExitCode, string Output)> CliAsync(params string[] arguments) =>
        CliProcess.RunAsync(fixture.Azurite.ConnectionString, [.. arguments], ("Proxy__Failures__TableName", _tableName));

    /// <summary>Headless Chromium from Debian, as .ci/run installs it.</summary>
    private static async Task<string> ChromiumAsync(params string[] arguments)
    {
        const string chromium = "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), "Chromium is installed (.ci/run installs Debian's chromium package)");
        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--disable-quic", $"--user-data-dir={Directory.CreateTempSubdirectory("chromium-").FullName}" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return await stdout;
    }

    private static List<string> Section(string text, string title)
    {
        var lines = text.Split('\n');
        var start = Array.IndexOf(lines, title + ":");
        Assert.True(start >= 0, $"the summary has a '{title}' section");
        return lines.Skip(start + 1).TakeWhile(line => line.StartsWith("  ", StringComparison.Ordinal)).Select(line => line.Trim()).ToList();
    }

    private static FailureRecord Known(string id, DateTimeOffset time, string kind, int status, string path, string? model, string? keyId, string message) => new()
    {
        RequestId = id,
        Timestamp = time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        Method = "POST",
        Path = path,
        StatusCode = status,
        Kind = kind,
        Source = kind == "upstream_error" ? "upstream" : "proxy",
        Message = message,
        Model = model,
        KeyId = keyId,
    };

    private static DateTimeOffset TopOfHour(DateTimeOffset time) => new(time.Year, time.Month, time.Day, time.Hour, 0, 0, TimeSpan.Zero);

    [GeneratedRegex("<rect class=\"bar\"[^>]*data-kind=\"(?<kind>[^\"]+)\"[^>]*data-count=\"(?<count>\\d+)\"")]
    private static partial Regex BarElement();
}
