using System.Globalization;
using System.Net;
using Azure.Data.Tables;
using Proxy.Quota;

namespace Proxy.Benchmarks;

/// <summary>
/// The quota's cost, in one interleaved run against the same proxy with the quota off: one hot key, and a new key on
/// every request (each a row to insert), at <c>concurrency</c>. Each round reads each process's CPU time from /proc. Only
/// answers that went through count as throughput: a request shed by the quota's store gate (503) is printed, not
/// counted. Afterwards the counter tables are summed and must hold exactly the counted admissions (faster,
/// "with the count still exact"). Azurite's CPU time per request is read too: on one machine the store competes for the
/// same cores, and it shows where a quota-on request's time goes.
/// </summary>
internal sealed class QuotaComparison(BenchmarkScale scale, int concurrency, string storage, int azuriteProcessId)
{
    private long _countedAdmissions;
    private long _sheds;

    public async Task<(IReadOnlyList<string> Table, IReadOnlyList<Figure> Figures)> RunAsync(Peer quotaOff, Peer quotaOn)
    {
        var newKeys = "sk-benchmark-new-" + Guid.NewGuid().ToString("N") + "-";
        var next = 0L;
        var hotKey = "sk-benchmark-hot-" + Guid.NewGuid().ToString("N");
        Func<Task<bool>>[] calls =
        [
            async () => { await Load.ChatAsync(quotaOff.Client); return true; },
            () => CountedChatAsync(quotaOn.Client, hotKey),
            () => CountedChatAsync(quotaOn.Client, newKeys + Interlocked.Increment(ref next).ToString(CultureInfo.InvariantCulture)),
        ];
        var peers = new[] { quotaOff, quotaOn, quotaOn };
        var runs = new[] { new Run("quota off"), new Run("quota on, one hot key"), new Run("quota on, a new key per request") };

        // A whole round of each first: the quota-on process has served nothing yet, and its code is still being compiled.
        foreach (var call in calls)
        {
            await Load.RoundAsync(_ => call(), concurrency, scale.ThroughputRound);
        }

        for (var round = 0; round < scale.ThroughputRounds; round++)
        {
            for (var i = 0; i < calls.Length; i++)
            {
                await MeasureRoundAsync(runs[i], peers[i].ProcessId!.Value, calls[i]);
            }
        }

        // A reserve not used up is given back once unused for its delay; then the rows must hold exactly what was admitted.
        var stored = await StoredCountAsync();
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15); stored != Interlocked.Read(ref _countedAdmissions) && DateTime.UtcNow < deadline; stored = await StoredCountAsync())
        {
            await Task.Delay(500);
        }

        var off = runs[0];
        var lines = new List<string>
        {
            $"| quota | throughput at concurrency {concurrency} | ÷ quota off | CPU per request | ÷ quota off | Azurite's CPU per request |",
            "|---|---|---|---|---|---|",
        };
        lines.AddRange(runs.Select(run => string.Join(" | ",
            "| " + run.Name,
            Samples.Cell(run.Throughputs, "F0", " req/s"),
            ReferenceEquals(run, off) ? "1" : Samples.Cell(Samples.Ratios(run.Throughputs, off.Throughputs), "F3", " ×"),
            Samples.Cell(run.CpuMicroseconds, "F1", " µs"),
            ReferenceEquals(run, off) ? "1" : Samples.Cell(Samples.Ratios(run.CpuMicroseconds, off.CpuMicroseconds), "F3", " ×"),
            Samples.Cell(run.StoreCpuMicroseconds, "F1", " µs")) + " |"));

        var (hot, fresh) = (runs[1], runs[2]);
        return (lines,
        [
            RatioFigure($"quota on, one hot key: throughput at concurrency {concurrency} ÷ quota off", Samples.Ratios(hot.Throughputs, off.Throughputs), 0.8, "≥ 0.8", higherIsBetter: true),
            RatioFigure($"quota on, a new key per request: throughput at concurrency {concurrency} ÷ quota off", Samples.Ratios(fresh.Throughputs, off.Throughputs), 0.3, "≥ 0.3", higherIsBetter: true),
            RatioFigure("quota on, one hot key: CPU per request ÷ quota off", Samples.Ratios(hot.CpuMicroseconds, off.CpuMicroseconds), 2, "≤ 2", higherIsBetter: false),
            RatioFigure("quota on, a new key per request: CPU per request ÷ quota off", Samples.Ratios(fresh.CpuMicroseconds, off.CpuMicroseconds), 2, "≤ 2", higherIsBetter: false),
            new Figure("quota on: stored count − counted admissions (both runs)", stored - Interlocked.Read(ref _countedAdmissions), "", 0, "0 (exact)", 0),
            new Figure("quota on: requests shed by the store gate (503, not counted as throughput)", Interlocked.Read(ref _sheds), "", null, "printed", 0),
        ]);
    }

    private async Task MeasureRoundAsync(Run run, int processId, Func<Task<bool>> call)
    {
        long answered = 0;
        var cpuBefore = ProcessCpu.Of(processId);
        var storeCpuBefore = ProcessCpu.Of(azuriteProcessId);
        var round = await Load.RoundAsync(async _ =>
        {
            if (await call())
            {
                Interlocked.Increment(ref answered);
            }
        }, concurrency, scale.ThroughputRound);
        var cpu = ProcessCpu.Of(processId) - cpuBefore;
        var storeCpu = ProcessCpu.Of(azuriteProcessId) - storeCpuBefore;
        run.Throughputs.Add(answered / round.Elapsed.TotalSeconds);
        run.CpuMicroseconds.Add(cpu.TotalMicroseconds / Math.Max(1, answered));
        run.StoreCpuMicroseconds.Add(storeCpu.TotalMicroseconds / Math.Max(1, answered));
    }

    /// <summary>A chat completion through the quota: true when it went through, false when it was shed (503).</summary>
    private async Task<bool> CountedChatAsync(HttpClient client, string key)
    {
        using var request = Load.ChatRequest(key);
        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            Interlocked.Increment(ref _sheds);
            return false;
        }

        if (response.StatusCode != HttpStatusCode.OK || !response.Headers.Contains("X-RateLimit-Remaining"))
        {
            throw new InvalidOperationException($"A request with the quota on answered {(int)response.StatusCode}, " +
                (response.StatusCode == HttpStatusCode.OK ? "uncounted: the store failed under the benchmark's load." : "not a counted success."));
        }

        Interlocked.Increment(ref _countedAdmissions);
        return true;
    }

    /// <summary>Every counter the quota-on process wrote: the tables of today and of yesterday (a run may cross midnight).</summary>
    private async Task<long> StoredCountAsync()
    {
        var service = new TableServiceClient(storage);
        var prefix = new QuotaOptions().TablePrefix;
        long total = 0;
        foreach (var day in new[] { DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(-1) })
        {
            var table = QuotaWindow.Containing(day).TableName(prefix);
            try
            {
                await foreach (var row in service.GetTableClient(table).QueryAsync<TableEntity>(select: ["Count"]))
                {
                    total += row.GetInt64("Count") ?? 0;
                }
            }
            catch (Azure.RequestFailedException e) when (e.Status == 404)
            {
            }
        }

        return total;
    }

    private static Figure RatioFigure(string name, List<double> ratios, double goal, string goalText, bool higherIsBetter) =>
        new(name, ratios.Average(), "×", goal, goalText, Samples.StandardDeviation(ratios), higherIsBetter);



    private sealed record Run(string Name)
    {
        public List<double> Throughputs { get; } = [];

        public List<double> CpuMicroseconds { get; } = [];

        public List<double> StoreCpuMicroseconds { get; } = [];
    }
}
