using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Proxy.Auth;
using Proxy.Failures;
using Proxy.Tests.Infrastructure;
using Proxy.Usage;
using Xunit.Abstractions;

namespace Proxy.Tests.Cli;

/// <summary>
/// `failures summary`, `show`, `report` and `tail` compute their figures from the archive: checked against a known set
/// of records, one of whose keys is registered with a name.
/// </summary>
public sealed partial class FailureAnalysisTests(InProcessFixture fixture, ITestOutputHelper output) : IAsyncLifetime, IClassFixture<InProcessFixture>
{
    private const string NamedKeyId = "bbbbbbbbbbbb";
    private const string KeyName = "acme";

    /// <summary>The same size for the page's layout (read from its DOM) and its screenshot, at one pixel per CSS pixel.</summary>
    private const string WindowSize = "--window-size=1000,1400";

    private readonly string _tableName = "failures" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _keysTableName = "keys" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _usageTableName = "usage" + Guid.NewGuid().ToString("N")[..8];
    private readonly DateTimeOffset _thisHour = TopOfHour(DateTimeOffset.UtcNow);
    private FailureRecord[] _records = [];

    /// <summary>Six records: three upstream errors last hour, two quota refusals and a 404 at the start of this hour.</summary>
    public async Task InitializeAsync()
    {
        using var harness = Harness();
        await harness.Get<KeyTable>().AddAsync(new KeyRecord(NamedKeyId + new string('0', 52), KeyName, "free", null, false, DateTimeOffset.UtcNow));
        var lastHour = _thisHour.AddMinutes(-30);
        _records =
        [
            Known("known-1", lastHour, "upstream_error", 500, "/v1/chat/completions", "gpt-a", "aaaaaaaaaaaa", "Internal server error", 100),
            Known("known-2", lastHour, "upstream_error", 500, "/v1/chat/completions", "gpt-a", "aaaaaaaaaaaa", "Internal server error", 200),
            Known("known-3", lastHour, "upstream_error", 503, "/v1/chat/completions", "gpt-b", NamedKeyId, "Service unavailable", 300),
            Known("known-4", _thisHour, "quota_exceeded", 429, "/v1/chat/completions", "gpt-b", NamedKeyId, "Free-tier limit", 40),
            Known("known-5", _thisHour, "quota_exceeded", 429, "/v1/embeddings", "gpt-b", NamedKeyId, "Free-tier limit", 50),
            Known("known-6", _thisHour, "not_found", 404, "/v3/models", null, null, "Not Found: the path is outside /v1/, /v2/.", 60),
        ];
        await ArchiveAsync(harness, _records);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Summary_PrintsTheKnownCounts_WithKeyNames_AndEveryHourOfTheWindow()
    {
        var (exitCode, text) = await CliAsync("failures", "summary", "--since", "2h");

        output.WriteLine(text);
        Assert.Equal(0, exitCode);
        Assert.Contains("Z: 6\n", text, StringComparison.Ordinal);
        Assert.Contains("Filters: none\n", text, StringComparison.Ordinal);
        Assert.Contains("Requests (usage ledger): no usage recorded\n", text, StringComparison.Ordinal);
        Assert.Equal(["3  upstream_error", "2  quota_exceeded", "1  not_found"], Section(text, "By kind"));
        Assert.Equal(["2  429", "2  500", "1  404", "1  503"], Section(text, "By status"));
        Assert.Equal(["4  /v1/chat/completions", "1  /v1/embeddings", "1  /v3/models"], Section(text, "By path"));
        Assert.Equal(["3  gpt-b", "2  gpt-a", "1  (none)"], Section(text, "By model"));
        Assert.Equal([$"3  {NamedKeyId} ({KeyName})", "2  aaaaaaaaaaaa", "1  (none)"], Section(text, "By key"));
        Assert.Equal("2  Free-tier limit", Section(text, "Top messages")[0]);

        // Two hours back from within this hour starts in the hour before last, which had no failures: it is on the axis, with 0.
        var hours = Section(text, "Per hour (UTC)");
        Assert.Equal(3, hours.Count);
        Assert.Equal($"{_thisHour.AddHours(-2):yyyy-MM-dd HH}:00       0", hours[0]);
        Assert.StartsWith($"{_thisHour.AddHours(-1):yyyy-MM-dd HH}:00       3  upstream_error 3", hours[1], StringComparison.Ordinal);
        Assert.StartsWith($"{_thisHour:yyyy-MM-dd HH}:00       3  quota_exceeded 2, not_found 1", hours[2], StringComparison.Ordinal);
        Assert.Contains($"[{Percentiles(_records.Take(3))}]", hours[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Summary_SinceExcludesOlderRecords()
    {
        var (_, text) = await CliAsync("failures", "summary", "--since", $"{(DateTimeOffset.UtcNow - _thisHour).TotalMinutes + 1:F0}m");

        Assert.Equal(["2  quota_exceeded", "1  not_found"], Section(text, "By kind"));
    }

    [Fact]
    public async Task SummaryJson_HasTheKnownCounts_Latency_KeyNames_AndEveryHour()
    {
        var (exitCode, text) = await CliAsync("failures", "summary", "--since", "6h", "--json");

        Assert.True(exitCode == 0, text);
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal(_records.Length, root.GetProperty("total").GetInt32());
        Assert.False(root.GetProperty("usageRecorded").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("errorRate").ValueKind);
        Assert.Equal(Counts(_records, record => record.Kind), Named(root.GetProperty("byKind")));
        Assert.Equal(Counts(_records, record => record.StatusCode.ToString(CultureInfo.InvariantCulture)), Named(root.GetProperty("byStatus")));
        Assert.Equal(Counts(_records, record => record.Model ?? "(none)"), Named(root.GetProperty("byModel")));
        var named = root.GetProperty("byKey").EnumerateArray().Single(key => key.GetProperty("keyId").GetString() == NamedKeyId);
        Assert.Equal(KeyName, named.GetProperty("name").GetString());
        Assert.Equal(_records.Count(record => record.KeyId == NamedKeyId), named.GetProperty("count").GetInt32());
        Assert.Equal(Percentiles(_records), Percentiles(root.GetProperty("latencyMs")));

        // Every hour from six hours back to now, consecutive, the quiet ones with 0 and no latency.
        var hours = root.GetProperty("perHour").EnumerateArray().ToList();
        var from = DateTimeOffset.Parse(root.GetProperty("from").GetString()!, CultureInfo.InvariantCulture);
        Assert.Equal(TopOfHour(from), DateTimeOffset.Parse(hours[0].GetProperty("hour").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(_thisHour, DateTimeOffset.Parse(hours[^1].GetProperty("hour").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal((int)(_thisHour - TopOfHour(from)).TotalHours + 1, hours.Count);
        Assert.Equal(_records.Length, hours.Sum(hour => hour.GetProperty("total").GetInt32()));
        Assert.All(hours.SkipLast(2), hour =>
        {
            Assert.Equal(0, hour.GetProperty("total").GetInt32());
            Assert.Equal(JsonValueKind.Null, hour.GetProperty("latencyMs").ValueKind);
        });
        Assert.Equal(Percentiles(_records.Skip(3)), Percentiles(hours[^1].GetProperty("latencyMs")));
    }

    [Theory]
    [InlineData("--key bbbb", "known-3 known-4 known-5")]
    [InlineData("--key BBBBBBBBBBBB0000", "known-3 known-4 known-5")]
    [InlineData("--kind upstream_error", "known-1 known-2 known-3")]
    [InlineData("--model gpt-a", "known-1 known-2")]
    [InlineData("--status 429", "known-4 known-5")]
    [InlineData("--key bbbb --status 503", "known-3")]
    [InlineData("--kind client_aborted", "")]
    public async Task Filters_NarrowTheSummary(string filters, string expectedIds)
    {
        var expected = _records.Where(record => expectedIds.Split(' ').Contains(record.RequestId)).ToList();

        var (exitCode, text) = await CliAsync(["failures", "summary", "--since", "3h", "--json", .. filters.Split(' ')]);

        Assert.True(exitCode == 0, text);
        using var json = JsonDocument.Parse(text);
        Assert.Equal(expected.Count, json.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(Counts(expected, record => record.Kind), Named(json.RootElement.GetProperty("byKind")));
        var given = filters.Split(' ');
        Assert.Equal(given[1].ToLowerInvariant(), json.RootElement.GetProperty("filters").GetProperty(given[0][2..]).GetString());
    }

    [Fact]
    public async Task Until_EndsTheWindow()
    {
        var until = _thisHour.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture);

        var (exitCode, text) = await CliAsync("failures", "summary", "--since", "3h", "--until", until, "--json");

        Assert.True(exitCode == 0, text);
        using var json = JsonDocument.Parse(text);
        Assert.Equal(Counts(_records.Where(record => DateTimeOffset.Parse(record.Timestamp, CultureInfo.InvariantCulture) < _thisHour), record => record.Kind),
            Named(json.RootElement.GetProperty("byKind")));
        Assert.Equal(_thisHour.AddHours(-1), DateTimeOffset.Parse(json.RootElement.GetProperty("perHour").EnumerateArray().Last().GetProperty("hour").GetString()!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task SummaryJson_RatesEachHourByTheLedgersRequests_SummedOverInstances_AndNarrowedToTheKey()
    {
        var ledger = await WriteLedgerAsync();

        var (exitCode, text) = await CliAsync("failures", "summary", "--since", "3h", "--json");
        var (keyExitCode, keyText) = await CliAsync("failures", "summary", "--since", "3h", "--json", "--key", NamedKeyId[..6]);

        Assert.True(exitCode == 0 && keyExitCode == 0, text + keyText);
        using var all = JsonDocument.Parse(text);
        using var key = JsonDocument.Parse(keyText);
        Assert.True(all.RootElement.GetProperty("usageRecorded").GetBoolean());
        Assert.Equal(ledger.Sum(hour => hour.Requests), all.RootElement.GetProperty("requests").GetInt64());
        foreach (var (document, rows) in new[] { (all, ledger), (key, ledger.Where(hour => hour.KeyId.StartsWith(NamedKeyId, StringComparison.Ordinal)).ToArray()) })
        {
            foreach (var hour in document.RootElement.GetProperty("perHour").EnumerateArray())
            {
                var inHour = rows.Where(row => row.Hour == DateTimeOffset.Parse(hour.GetProperty("hour").GetString()!, CultureInfo.InvariantCulture)).ToList();
                if (inHour.Count == 0)
                {
                    Assert.Equal(JsonValueKind.Null, hour.GetProperty("requests").ValueKind);
                    continue;
                }

                // Refused by the quota counts as failed: the archive has those refusals as failures.
                var requests = inHour.Sum(row => row.Requests);
                var failed = inHour.Sum(row => row.Failed + row.Refused);
                Assert.Equal(requests, hour.GetProperty("requests").GetInt64());
                Assert.Equal(failed, hour.GetProperty("failed").GetInt64());
                Assert.Equal((double)failed / requests, hour.GetProperty("errorRate").GetDouble(), 9);
            }
        }
    }

    [Fact]
    public async Task SummaryJson_RatesARealProxysFailuresByTheRequestsItsLedgerFlushed()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Failures__QueueName", "rate-" + Guid.NewGuid().ToString("N")[..8]),
            ("Proxy__Failures__TableName", _tableName),
            ("Proxy__Failures__ArchiveInProcess", "true"),
            ("Proxy__Failures__ArchivePollInterval", "00:00:00.200"),
            ("Proxy__Usage__TableName", _usageTableName),
            ("Proxy__Usage__FlushInterval", "00:00:01"));
        var key = "sk-report-" + Guid.NewGuid().ToString("N");
        using var http = ProxyFixture.ClientFor(proxy, withKey: false);
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        foreach (var path in new[] { "/v1/echo", "/v1/echo", "/v1/errors/openai/502", "/v1/echo", "/v1/errors/openai/502" })
        {
            using var response = await http.GetAsync(path);
        }

        // What the ledger flushed is what the report must rate by: read as the CLI reads it, once both 502s are in it.
        using var harness = Harness();
        var ledger = new UsageTable(harness.Get<Azure.Data.Tables.TableServiceClient>(), Microsoft.Extensions.Options.Options.Create(new UsageOptions { TableName = _usageTableName }));
        var keyId = ApiKeyHash.Of(key);
        IReadOnlyList<UsageHour> rows = [];
        await Eventually.TrueAsync(async () =>
        {
            rows = await ledger.ReadAsync(_thisHour.AddHours(-1), DateTimeOffset.UtcNow, keyId, CancellationToken.None);
            return rows.Sum(row => row.FailedUpstream) >= 2;
        }, TimeSpan.FromSeconds(60), "the ledger has flushed the two 502s");
        await Eventually.TrueAsync(async () => (await CliAsync("failures", "summary", "--since", "1h", "--key", keyId, "--kind", "upstream_error")).Output.Contains("Z: 2\n", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "both 502s are archived");

        var (exitCode, text) = await CliAsync("failures", "summary", "--since", "1h", "--key", keyId[..16], "--json");

        Assert.True(exitCode == 0, text);
        using var json = JsonDocument.Parse(text);
        var requests = rows.Sum(row => row.Requests);
        var failed = rows.Sum(row => row.Failed + row.Refused);
        Assert.Equal(requests, json.RootElement.GetProperty("requests").GetInt64());
        Assert.Equal((double)failed / requests, json.RootElement.GetProperty("errorRate").GetDouble(), 9);
        Assert.Contains(("upstream_error", 2), Named(json.RootElement.GetProperty("byKind")));
    }

    [Fact]
    public async Task HtmlReport_WithLedgerRows_DrawsRequestsAndTheErrorRate()
    {
        var ledger = await WriteLedgerAsync();
        var folder = Directory.CreateTempSubdirectory("failure-report-");
        var page = Path.Combine(folder.FullName, "report.html");
        var (exitCode, _) = await CliAsync("failures", "report", "--since", "3h", "--html", page);
        Assert.Equal(0, exitCode);

        var dom = await ChromiumAsync("--dump-dom", WindowSize, new Uri(page).AbsoluteUri);
        Assert.Equal(3, DrawnChart().Count(dom));
        Assert.DoesNotContain("no-usage", dom, StringComparison.Ordinal);
        var requests = RequestsBar().Matches(dom).Select(match => match.Groups["requests"].Value).ToList();
        Assert.Equal(ledger.GroupBy(hour => hour.Hour).OrderBy(hour => hour.Key).Select(hour => hour.Sum(row => row.Requests).ToString(CultureInfo.InvariantCulture)), requests);
        var rates = RatePoint().Matches(dom).Select(match => double.Parse(match.Groups["rate"].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(ledger.GroupBy(hour => hour.Hour).OrderBy(hour => hour.Key).Select(hour => Math.Round(100.0 * hour.Sum(row => row.Failed + row.Refused) / hour.Sum(row => row.Requests), 2)), rates);
        Assert.Contains("error rate", Chart(dom, "failures-chart"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AKeyedAggregatedRecord_IsCountedUnderItsKeyAsAggregated_AndShownWithItsCounts()
    {
        using var harness = Harness();
        var aggregated = FailureRecordFactory.Aggregated(
            new RepeatedFailureCount(NamedKeyId, "free", "quota_exceeded", 429, 11_975, _thisHour.AddMinutes(-1), _thisHour));
        await ArchiveAsync(harness, aggregated);

        var (exitCode, text) = await CliAsync("failures", "summary", "--since", "3h", "--json", "--key", NamedKeyId, "--kind", "aggregated");
        var (showExitCode, shown) = await CliAsync("failures", "show", aggregated.RequestId);

        Assert.True(exitCode == 0, text);
        using var json = JsonDocument.Parse(text);
        Assert.Equal(1, json.RootElement.GetProperty("total").GetInt32());
        var key = Assert.Single(json.RootElement.GetProperty("byKey").EnumerateArray());
        Assert.Equal((NamedKeyId, KeyName, 1), (key.GetProperty("keyId").GetString(), key.GetProperty("name").GetString(), key.GetProperty("count").GetInt32()));
        Assert.Equal(0, showExitCode);
        Assert.Contains("\"count\": 11975", shown, StringComparison.Ordinal);
        Assert.Contains("\"kind\": \"quota_exceeded\"", shown, StringComparison.Ordinal);
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
    public async Task HtmlReport_OpensInChromium_ItsChartsDrawnOnATimeAxisWithTicks_AndItsScreenshotShowsTheBars()
    {
        var folder = Directory.CreateTempSubdirectory("failure-report-");
        var page = Path.Combine(folder.FullName, "report.html");
        var (exitCode, _) = await CliAsync("failures", "report", "--since", "5h", "--html", page);
        Assert.Equal(0, exitCode);

        var dom = await ChromiumAsync("--dump-dom", WindowSize, new Uri(page).AbsoluteUri);
        Assert.Equal(2, DrawnChart().Count(dom));
        var bars = BarElement().Matches(dom).Select(match => (match.Groups["kind"].Value, int.Parse(match.Groups["count"].Value, CultureInfo.InvariantCulture))).Order().ToList();
        Assert.Equal([.. Counts(_records, record => record.Kind).Select(pair => (pair.Name, pair.Count)).Order()], bars);

        // Every hour of the window has its place on the axis (five hours back, from within this hour: six), and the
        // y axis counts from 0 past the busiest hour.
        Assert.Equal(6, HourLabel().Count(Chart(dom, "failures-chart")));
        var ticks = Tick().Matches(Chart(dom, "failures-chart")).Select(match => int.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(0, ticks[0]);
        Assert.True(ticks[^1] >= 3 && ticks.Count >= 3, string.Join(", ", ticks));
        Assert.Contains("failures per hour", dom, StringComparison.Ordinal);
        Assert.Contains("<p id=\"no-usage\">No usage recorded", dom, StringComparison.Ordinal);
        Assert.Contains($"<td>{NamedKeyId}</td><td>{KeyName}</td>", dom, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"filters\">none</dd>", dom, StringComparison.Ordinal);

        var screenshot = Path.Combine(folder.FullName, "report.png");
        await ChromiumAsync($"--screenshot={screenshot}", WindowSize, "--force-device-scale-factor=1", "--hide-scrollbars", new Uri(page).AbsoluteUri);
        output.WriteLine($"screenshot (outside the repository): {screenshot}");
        var image = PngImage.Read(screenshot);
        var box = ChartBox().Match(dom);
        Assert.True(box.Success, "the failures chart says where it was drawn");
        int Box(string part) => int.Parse(box.Groups[part].Value, CultureInfo.InvariantCulture);
        var coloured = 0;
        for (var y = Box("y"); y < Math.Min(Box("y") + Box("height"), image.Height); y++)
        {
            for (var x = Box("x"); x < Math.Min(Box("x") + Box("width"), image.Width); x++)
            {
                var (r, g, b) = image[x, y];
                coloured += Math.Max(r, Math.Max(g, b)) - Math.Min(r, Math.Min(g, b)) > 60 ? 1 : 0;
            }
        }

        // Grey axes and black text do not count: only the bars are coloured, and each is dozens of pixels wide and tall.
        Assert.True(coloured > 1000, $"{coloured} coloured pixels in the chart area {box.Value}");
    }

    [Fact]
    public async Task HtmlReport_ShowsTheFiltersUsed_AndOnlyWhatTheyLetThrough()
    {
        var folder = Directory.CreateTempSubdirectory("failure-report-");
        var page = Path.Combine(folder.FullName, "report.html");
        var (exitCode, _) = await CliAsync("failures", "report", "--since", "3h", "--key", "bbbb", "--status", "429", "--html", page);
        Assert.Equal(0, exitCode);

        var dom = await ChromiumAsync("--dump-dom", WindowSize, new Uri(page).AbsoluteUri);
        Assert.Contains("<dd id=\"filters\">--key bbbb, --status 429</dd>", dom, StringComparison.Ordinal);
        var bars = BarElement().Matches(dom).Select(match => (match.Groups["kind"].Value, match.Groups["count"].Value)).ToList();
        Assert.Equal([("quota_exceeded", _records.Count(record => record.StatusCode == 429).ToString(CultureInfo.InvariantCulture))], bars);
    }

    [Fact]
    public async Task Tail_PrintsARecordArchivedAfterItStarted_ThatItsFilterLetsThrough()
    {
        using var tail = InProcessCli.Start(fixture.Azurite.ConnectionString,
            ["failures", "tail", "--key", NamedKeyId[..4], "--interval", "1s", "--count", "1", "--for", "2m"], Settings());
        await tail.WaitForErrorAsync("Watching the failure archive", TimeSpan.FromSeconds(60));

        using var harness = Harness();
        var now = DateTimeOffset.UtcNow;
        await ArchiveAsync(harness,
            Known("tail-other-key", now, "upstream_error", 502, "/v1/chat/completions", "gpt-a", "aaaaaaaaaaaa", "Bad gateway", 70),
            Known("tail-match", now, "upstream_timeout", 504, "/v1/chat/completions", "gpt-b", NamedKeyId, "Upstream timed out", 80));

        Assert.Equal(0, await tail.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        output.WriteLine(tail.Output);
        var line = Assert.Single(tail.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("504  upstream_timeout  POST /v1/chat/completions", line, StringComparison.Ordinal);
        Assert.Contains($"key {NamedKeyId} ({KeyName})", line, StringComparison.Ordinal);
        Assert.Contains("tail-match  Upstream timed out", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tail_PrintsAFailureOfARealProxy_AsItsArchiverWritesIt()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Failures__QueueName", "tail-" + Guid.NewGuid().ToString("N")[..8]),
            ("Proxy__Failures__TableName", _tableName),
            ("Proxy__Failures__ArchiveInProcess", "true"),
            ("Proxy__Failures__ArchivePollInterval", "00:00:00.200"));
        using var tail = InProcessCli.Start(fixture.Azurite.ConnectionString,
            ["failures", "tail", "--status", "502", "--interval", "1s", "--count", "1", "--for", "2m"], Settings());
        await tail.WaitForErrorAsync("Watching the failure archive", TimeSpan.FromSeconds(60));

        using var client = ProxyFixture.ClientFor(proxy);
        using var response = await client.GetAsync("/v1/errors/openai/502");
        var requestId = Assert.Single(response.Headers.GetValues("x-request-id"));

        Assert.Equal(0, await tail.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        var line = Assert.Single(tail.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("502  upstream_error  GET /v1/errors/openai/502", line, StringComparison.Ordinal);
        Assert.Contains(requestId, line, StringComparison.Ordinal);
    }

    private QuotaHarness Harness() =>
        new(fixture.Azurite.ConnectionString, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow),
            new Dictionary<string, string?> { ["Proxy:Failures:TableName"] = _tableName, ["Proxy:Auth:KeysTableName"] = _keysTableName });

    private static async Task ArchiveAsync(QuotaHarness harness, params FailureRecord[] records)
    {
        var archive = harness.Get<FailureArchive>();
        foreach (var record in records)
        {
            await archive.ArchiveAsync(JsonSerializer.Serialize(record, FailureJsonContext.Default.FailureRecord));
        }
    }

    private (string Name, string Value)[] Settings() =>
        [("Proxy__Failures__TableName", _tableName), ("Proxy__Auth__KeysTableName", _keysTableName), ("Proxy__Usage__TableName", _usageTableName)];

    /// <summary>Ledger rows as two proxy instances write them: the named key's last hour from both, the other key's this hour from one.</summary>
    private static readonly LatencySummary s_noLatency = new(0, 0, 0, new long[LatencySummary.BucketCount]);

    private async Task<UsageHour[]> WriteLedgerAsync()
    {
        using var harness = Harness();
        var ledger = new Proxy.Usage.UsageTable(harness.Get<Azure.Data.Tables.TableServiceClient>(),
            Microsoft.Extensions.Options.Options.Create(new Proxy.Usage.UsageOptions { TableName = _usageTableName }));
        var named = NamedKeyId + new string('0', 52);
        UsageHour[] hours =
        [
            new(named, _thisHour.AddHours(-1), 20, 17, 0, 3, 0, 0, 0, 0, 0, 0, s_noLatency),
            new(named, _thisHour.AddHours(-1), 10, 8, 0, 0, 0, 2, 0, 0, 0, 0, s_noLatency),
            new("aaaaaaaaaaaa" + new string('1', 52), _thisHour, 40, 38, 2, 0, 0, 0, 0, 0, 0, 0, s_noLatency),
        ];
        await ledger.WriteAsync([UsageEntity.From(hours[0], "instance-a"), UsageEntity.From(hours[1], "instance-b"), UsageEntity.From(hours[2], "instance-a")], CancellationToken.None);
        return hours;
    }

    private Task<(int ExitCode, string Output)> CliAsync(params string[] arguments) =>
        InProcessCli.RunAsync(fixture.Azurite.ConnectionString, [.. arguments], Settings());

    /// <summary>Headless Chromium from Debian, as scripts/test.sh installs it.</summary>
    private static async Task<string> ChromiumAsync(params string[] arguments)
    {
        const string chromium = "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), "Chromium is installed (scripts/test.sh installs Debian's chromium package)");
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

        var (_, stdout, _) = await ChildProcess.RunAsync(start, TimeSpan.FromSeconds(60), "chromium");
        return stdout;
    }

    private static string Chart(string dom, string id)
    {
        var start = dom.IndexOf($"<svg id=\"{id}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"the page has the chart {id}");
        return dom[start..dom.IndexOf("</svg>", start, StringComparison.Ordinal)];
    }

    private static List<string> Section(string text, string title)
    {
        var lines = text.Split('\n');
        var start = Array.IndexOf(lines, title + ":");
        Assert.True(start >= 0, $"the summary has a '{title}' section");
        return lines.Skip(start + 1).TakeWhile(line => line.StartsWith("  ", StringComparison.Ordinal)).Select(line => line.Trim()).ToList();
    }

    /// <summary>Most frequent first, ties by name: the order the CLI promises.</summary>
    private static List<(string Name, int Count)> Counts(IEnumerable<FailureRecord> records, Func<FailureRecord, string> key) =>
        [.. records.GroupBy(key).Select(group => (group.Key, group.Count())).OrderByDescending(pair => pair.Item2).ThenBy(pair => pair.Key, StringComparer.Ordinal)];

    private static List<(string Name, int Count)> Named(JsonElement array) =>
        [.. array.EnumerateArray().Select(item => (item.GetProperty("name").GetString()!, item.GetProperty("count").GetInt32()))];

    /// <summary>p50, p95 and p99 by nearest rank: the smallest duration that at least that share of the records do not exceed.</summary>
    private static string Percentiles(IEnumerable<FailureRecord> records)
    {
        var sorted = records.Select(record => record.DurationMs).Order().ToList();
        long Rank(double share) => sorted.First(duration => sorted.Count(other => other <= duration) >= share * sorted.Count);
        return string.Create(CultureInfo.InvariantCulture, $"p50 {Rank(0.50)} ms, p95 {Rank(0.95)} ms, p99 {Rank(0.99)} ms of {sorted.Count}");
    }

    private static string Percentiles(JsonElement latency) => string.Create(CultureInfo.InvariantCulture,
        $"p50 {latency.GetProperty("p50").GetInt64()} ms, p95 {latency.GetProperty("p95").GetInt64()} ms, p99 {latency.GetProperty("p99").GetInt64()} ms of {latency.GetProperty("count").GetInt32()}");

    private static FailureRecord Known(string id, DateTimeOffset time, string kind, int status, string path, string? model, string? keyId, string message, long durationMs) => new()
    {
        RequestId = id,
        Timestamp = time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        Method = "POST",
        Path = path,
        StatusCode = status,
        Kind = kind,
        Source = kind.StartsWith("upstream", StringComparison.Ordinal) ? "upstream" : "proxy",
        Message = message,
        Model = model,
        KeyId = keyId,
        DurationMs = durationMs,
    };

    private static DateTimeOffset TopOfHour(DateTimeOffset time) => new(time.Year, time.Month, time.Day, time.Hour, 0, 0, TimeSpan.Zero);

    [GeneratedRegex("<rect class=\"bar\"[^>]*data-kind=\"(?<kind>[^\"]+)\"[^>]*data-count=\"(?<count>\\d+)\"")]
    private static partial Regex BarElement();

    [GeneratedRegex("<svg id=\"[a-z-]+-chart\"[^>]*data-drawn=\"true\"")]
    private static partial Regex DrawnChart();

    [GeneratedRegex("<rect class=\"requests\"[^>]*data-requests=\"(?<requests>\\d+)\"")]
    private static partial Regex RequestsBar();

    [GeneratedRegex("<circle class=\"rate\"[^>]*data-rate=\"(?<rate>[0-9.]+)\"")]
    private static partial Regex RatePoint();

    [GeneratedRegex("<text class=\"hour\"")]
    private static partial Regex HourLabel();

    [GeneratedRegex("<text class=\"tick\"[^>]*>(?<value>\\d+)</text>")]
    private static partial Regex Tick();

    [GeneratedRegex("<svg id=\"failures-chart\"[^>]*data-box=\"(?<x>\\d+),(?<y>\\d+),(?<width>\\d+),(?<height>\\d+)\"")]
    private static partial Regex ChartBox();
}
