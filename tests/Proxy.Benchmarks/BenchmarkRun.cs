using System.Globalization;
using System.Runtime.InteropServices;
using Azure;
using Azure.Data.Tables;
using Proxy.Tests.Infrastructure;

namespace Proxy.Benchmarks;

/// <summary>
/// Brings up Azurite, the fake upstream and standalone proxy processes on loopback, measures each case direct and
/// through the proxy in alternating rounds (so machine drift hits both), and prints the figures against their goals.
/// </summary>
internal static class BenchmarkRun
{
    private const int Concurrency = 64;

    /// <summary>The whole run, or only the side-by-side comparison of the peers, or only the quota's.</summary>
    public static async Task<int> RunAsync(TextWriter output, BenchmarkScale scale, BenchmarkParts parts)
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        await using var upstream = await FakeUpstream.StartAsync();
        var common = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Proxy__Upstream__BaseUrl"] = upstream.BaseAddress.ToString(),
            ["Logging__LogLevel__Default"] = "Warning",
            // The line that says where the host listens, which the harness reads its port from.
            ["Logging__LogLevel__Proxy.Standalone.ListenAddresses"] = "Information",
        };
        // Each with its own tiers table, so that each one's free limit is the one in effect.
        await using var forwarding = await StandaloneProxyProcess.StartAsync(new Dictionary<string, string>(common)
        {
            ["Proxy__Quota__FreeRequestsPerHour"] = string.Empty,
            ["Proxy__Tiers__TableName"] = "tiersforwarding",
        });
        await using var withoutLedger = await StandaloneProxyProcess.StartAsync(new Dictionary<string, string>(common)
        {
            ["Proxy__Quota__FreeRequestsPerHour"] = string.Empty,
            ["Proxy__Tiers__TableName"] = "tierswithoutledger",
            ["Proxy__Usage__Enabled"] = "false",
        });
        await using var counting = await StandaloneProxyProcess.StartAsync(new Dictionary<string, string>(common)
        {
            ["Proxy__Quota__FreeRequestsPerHour"] = "1000000000",
            ["Proxy__Tiers__TableName"] = "tierscounting",
        });
        await using var bareYarp = await BareYarpProcess.StartAsync(upstream.BaseAddress);
        await using var nginx = await StartNginxAsync(upstream.BaseAddress, output);
        output.WriteLine("Measuring; this takes a few minutes.");

        var figures = new List<Figure>();
        using var direct = Load.Client(upstream.BaseAddress);
        using var viaProxy = Load.Client(forwarding.BaseAddress);
        using var viaProxyWithoutLedger = Load.Client(withoutLedger.BaseAddress);
        using var viaBareYarp = Load.Client(bareYarp.BaseAddress);
        using var viaNginx = nginx is null ? null : Load.Client(nginx.BaseAddress);
        using var viaCounting = Load.Client(counting.BaseAddress);
        using var viaQuota = Load.Client(counting.BaseAddress, "sk-benchmark-hot-" + Guid.NewGuid().ToString("N"));

        var tables = new List<string>();
        if (parts != BenchmarkParts.QuotaOnly)
        {
            var (peerTable, peerFigures) = await new PeerComparison(scale, Concurrency).RunAsync(
                new Peer("direct (the fake upstream)", direct, null, IsDotNet: false),
                new Peer("bare YARP (IHttpForwarder, the proxy's handler settings)", viaBareYarp, bareYarp.ProcessId, IsDotNet: true),
                nginx is null || viaNginx is null ? null : new Peer("nginx (proxy_buffering off, keep-alive pool)", viaNginx, nginx.ProcessId, IsDotNet: false),
                new Peer("this proxy, quota off, usage ledger off (standalone host)", viaProxyWithoutLedger, withoutLedger.ProcessId, IsDotNet: true),
                new Peer("this proxy, quota off (standalone host)", viaProxy, forwarding.ProcessId, IsDotNet: true));
            figures.AddRange(peerFigures);
            tables.AddRange(peerTable);
            tables.Add(string.Empty);
        }

        if (parts != BenchmarkParts.PeersOnly)
        {
            var (quotaTable, quotaFigures) = await new QuotaComparison(scale, Concurrency, azurite.ConnectionString, azurite.ProcessId).RunAsync(
                new Peer("quota off", viaProxy, forwarding.ProcessId, IsDotNet: true),
                new Peer("quota on", viaCounting, counting.ProcessId, IsDotNet: true));
            figures.AddRange(quotaFigures);
            tables.AddRange(quotaTable);
            tables.Add(string.Empty);
        }

        if (parts != BenchmarkParts.PeersOnly)
        {
            tables.AddRange(QuotaScale.Table());
            tables.Add(string.Empty);
        }

        if (parts == BenchmarkParts.All)
        {
            figures.Add(await AddedLatencyWithQuotaAsync(scale, direct, viaQuota, azurite.ConnectionString));
            figures.AddRange(await QuotaTransactionsAsync(azurite.ConnectionString, upstream.BaseAddress));
            figures.Add(await TimeToFirstEventAsync(direct, viaProxy));
            figures.Add(await StreamingMemoryAsync(forwarding, viaProxy));
            figures.Add(await OpenStreamsMemoryAsync(forwarding));
            figures.AddRange(await TransactionsAsync(azurite.ConnectionString, upstream.BaseAddress));
            figures.AddRange(await LedgerTransactions.MeasureAsync(azurite.ConnectionString, upstream.BaseAddress));
            figures.AddRange(await TokenBudget.MeasureAsync(azurite.ConnectionString));
            figures.AddRange(await FunctionsHostAsync(scale, new Dictionary<string, string>(common) { ["Proxy__Quota__FreeRequestsPerHour"] = string.Empty }, direct, viaProxy, output));
        }

        var scaleNote = scale == BenchmarkScale.Short ? "; --short: too few rounds to hold against the goals" : string.Empty;
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, " +
            $"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}; proxy: standalone host (and the Functions host where named), {RepositoryPaths.Configuration}{scaleNote}."));
        output.WriteLine();
        foreach (var line in tables)
        {
            output.WriteLine(line);
        }

        output.WriteLine("| figure | measured | noise | goal | verdict |");
        output.WriteLine("|---|---|---|---|---|");
        foreach (var figure in figures)
        {
            output.WriteLine(figure.Row());
        }

        var missed = figures.Count(figure => figure.Missed);
        output.WriteLine();
        output.WriteLine(missed == 0 ? "Every figure met its goal or was within its noise." : $"{missed} figure(s) missed their goal by more than their noise.");
        return missed == 0 ? 0 : 1;
    }

    private static async Task<Figure> AddedLatencyWithQuotaAsync(BenchmarkScale scale, HttpClient direct, HttpClient viaQuota, string storage)
    {
        var roundTrip = await AzuriteRoundTripAsync(scale, storage);
        var rounds = await LatencyRounds.RunAsync(scale, () => Load.ChatAsync(direct), () => Load.ChatAsync(viaQuota));
        var added = Samples.Percentile(rounds[1].All, 0.5) - Samples.Percentile(rounds[0].All, 0.5);
        var goal = roundTrip + 0.3;
        return new Figure("added latency with the quota on, concurrency 1: p50", added, "ms", goal,
            string.Create(CultureInfo.InvariantCulture, $"≤ one Azurite round trip ({roundTrip:F3} ms) + 0.3 ms"), Samples.StandardDeviation(LatencyRounds.Deltas(rounds[1].P50s, rounds[0].P50s)));
    }

    /// <summary>The p50 of one conditional replace of a counter row in Azurite, the write each admitted request costs.</summary>
    private static async Task<double> AzuriteRoundTripAsync(BenchmarkScale scale, string storage)
    {
        var table = new TableClient(storage, "benchmarkroundtrip");
        await table.CreateIfNotExistsAsync();
        var entity = new TableEntity("key", "window") { ["Count"] = 0L };
        var etag = (await table.UpsertEntityAsync(entity, TableUpdateMode.Replace)).Headers.ETag ?? ETag.All;
        var latencies = await Load.SequentialAsync(async () =>
        {
            entity["Count"] = (long)entity["Count"] + 1;
            etag = (await table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace)).Headers.ETag ?? ETag.All;
        }, scale.LatencyRounds * scale.LatencyRequestsPerRound / 2);
        return Samples.Percentile(latencies, 0.5);
    }

    /// <summary>nginx beside the proxy when it is installed; otherwise a line saying why its row is left out.</summary>
    private static async Task<NginxProcess?> StartNginxAsync(Uri upstream, TextWriter output)
    {
        if (NginxProcess.Binary is not { } binary)
        {
            output.WriteLine("nginx is not installed: its row is left out (scripts/benchmark.sh installs Debian's nginx when it runs as root).");
            return null;
        }

        return await NginxProcess.StartAsync(binary, upstream, keepAliveConnections: Concurrency);
    }

    /// <summary>
    /// The Functions app under <c>func start</c> (the <c>func</c> on PATH) beside direct and the standalone host, in the
    /// same alternating rounds: what the Functions host adds on top of the same core.
    /// </summary>
    private static async Task<Figure[]> FunctionsHostAsync(BenchmarkScale scale, IReadOnlyDictionary<string, string> settings, HttpClient direct, HttpClient standalone, TextWriter output)
    {
        if (FunctionsHostProcess.Launcher is null)
        {
            output.WriteLine("No func on PATH: the Functions-host column is left out (install Azure Functions Core Tools, or put a Functions host launcher on PATH).");
            return [];
        }

        await using var functions = await FunctionsHostProcess.StartAsync(settings);
        using var viaFunctions = Load.Client(functions.BaseAddress);
        var rounds = await LatencyRounds.RunAsync(scale, () => Load.ChatAsync(direct), () => Load.ChatAsync(standalone), () => Load.ChatAsync(viaFunctions));
        var (directRun, standaloneRun, functionsRun) = (rounds[0], rounds[1], rounds[2]);
        var overStandalone = Samples.Percentile(functionsRun.All, 0.5) - Samples.Percentile(standaloneRun.All, 0.5);

        var ratios = new List<double>();
        var overStandaloneRatios = new List<double>();
        await Load.ThroughputAsync(_ => Load.ChatAsync(viaFunctions), Concurrency, TimeSpan.FromSeconds(1));
        for (var round = 0; round < scale.ThroughputRounds; round++)
        {
            var directRps = await Load.ThroughputAsync(_ => Load.ChatAsync(direct), Concurrency, scale.ThroughputRound);
            var standaloneRps = await Load.ThroughputAsync(_ => Load.ChatAsync(standalone), Concurrency, scale.ThroughputRound);
            var functionsRps = await Load.ThroughputAsync(_ => Load.ChatAsync(viaFunctions), Concurrency, scale.ThroughputRound);
            ratios.Add(functionsRps / directRps);
            overStandaloneRatios.Add(functionsRps / standaloneRps);
        }

        return
        [
            new Figure("Functions host, forwarding only, concurrency 1: added p50 over direct", Samples.Percentile(functionsRun.All, 0.5) - Samples.Percentile(directRun.All, 0.5), "ms", null, "printed",
                Samples.StandardDeviation(LatencyRounds.Deltas(functionsRun.P50s, directRun.P50s))),
            new Figure("Functions host, forwarding only, concurrency 1: added p99 over direct", Samples.Percentile(functionsRun.All, 0.99) - Samples.Percentile(directRun.All, 0.99), "ms", null, "printed",
                Samples.StandardDeviation(LatencyRounds.Deltas(functionsRun.P99s, directRun.P99s))),
            new Figure("Functions host, concurrency 1: added p50 over the standalone host", overStandalone, "ms", 1, "≤ 1 ms",
                Samples.StandardDeviation(LatencyRounds.Deltas(functionsRun.P50s, standaloneRun.P50s))),
            new Figure($"Functions host, throughput at concurrency {Concurrency}, ÷ direct", ratios.Average(), "×", null, "printed", Samples.StandardDeviation(ratios)),
            new Figure($"Functions host, throughput at concurrency {Concurrency}, ÷ the standalone host", overStandaloneRatios.Average(), "×", null, "printed",
                Samples.StandardDeviation(overStandaloneRatios)),
        ];
    }

    /// <summary>
    /// What the quota's store calls cost at concurrency, counted in process: a new key on every request (inserts, shared by
    /// the keys waiting at once in each counter partition) and one hot key (rounds, and its reserve). Throughput is
    /// <see cref="QuotaComparison"/>'s, on the standalone host.
    /// </summary>
    private static async Task<Figure[]> QuotaTransactionsAsync(string storage, Uri upstream)
    {
        await using var proxy = await InProcessProxy.StartAsync(storage, upstream, 1_000_000_000);
        using var client = Load.Client(proxy.BaseAddress);
        var newKeys = "sk-benchmark-many-" + Guid.NewGuid().ToString("N") + "-";
        var next = 0;

        var before = proxy.Transactions.Count - proxy.LedgerTransactions.Count;
        long requests = 0;
        await Load.RoundAsync(async _ =>
        {
            await Load.ChatAsync(client, newKeys + Interlocked.Increment(ref next).ToString(CultureInfo.InvariantCulture));
            Interlocked.Increment(ref requests);
        }, Concurrency, TimeSpan.FromSeconds(3));
        var newKeyTransactions = (proxy.Transactions.Count - proxy.LedgerTransactions.Count - before) / (double)requests;

        var hotKey = "sk-benchmark-hot-" + Guid.NewGuid().ToString("N");
        before = proxy.Transactions.Count - proxy.LedgerTransactions.Count;
        requests = 0;
        await Load.RoundAsync(async _ =>
        {
            await Load.ChatAsync(client, hotKey);
            Interlocked.Increment(ref requests);
        }, Concurrency, TimeSpan.FromSeconds(3));
        var hotKeyTransactions = (proxy.Transactions.Count - proxy.LedgerTransactions.Count - before) / (double)requests;

        return
        [
            new Figure($"quota on, a new key per request, concurrency {Concurrency}: quota Table transactions per request (in-process host)", newKeyTransactions, "", null, "printed", 0),
            new Figure($"quota on, one hot key, concurrency {Concurrency}: quota Table transactions per request (in-process host)", hotKeyTransactions, "", null, "printed", 0),
        ];
    }

    private static async Task<Figure> TimeToFirstEventAsync(HttpClient direct, HttpClient proxied)
    {
        for (var i = 0; i < 100; i++)
        {
            await Load.TimeToFirstEventAsync(direct);
            await Load.TimeToFirstEventAsync(proxied);
        }

        List<double> allDirect = [], allProxied = [], deltas = [];
        for (var round = 0; round < 5; round++)
        {
            List<double> d = [], p = [];
            for (var i = 0; i < 100; i++)
            {
                d.Add(await Load.TimeToFirstEventAsync(direct));
                p.Add(await Load.TimeToFirstEventAsync(proxied));
            }

            allDirect.AddRange(d);
            allProxied.AddRange(p);
            deltas.Add(Samples.Percentile(p, 0.5) - Samples.Percentile(d, 0.5));
        }

        return new Figure("time to first SSE event, added: p50", Samples.Percentile(allProxied, 0.5) - Samples.Percentile(allDirect, 0.5), "ms", 1, "≤ 1 ms",
            Samples.StandardDeviation(deltas));
    }

    private static async Task<Figure> StreamingMemoryAsync(StandaloneProxyProcess proxy, HttpClient client)
    {
        const long size = 1024L * 1024 * 1024;
        (await client.GetAsync("/v1/download?bytes=16777216")).Dispose();
        await Task.Delay(500);
        var baseline = proxy.WorkingSet;
        using var sampler = new MemorySampler(proxy);
        using (var response = await client.GetAsync($"/v1/download?bytes={size}", HttpCompletionOption.ResponseHeadersRead))
        {
            var received = await ResponseDrain.CountBytesAsync(response);
            if (received != size)
            {
                throw new InvalidOperationException($"Received {received} of {size} bytes.");
            }
        }

        var growth = (sampler.Stop() - baseline) / (1024.0 * 1024);
        return new Figure("memory while streaming 1 GiB through one response: growth", growth, "MB", 32, "≤ 32 MB", 0);
    }

    private static async Task<Figure> OpenStreamsMemoryAsync(StandaloneProxyProcess proxy)
    {
        const int streams = 1000;
        using var client = Load.Client(proxy.BaseAddress);
        await Task.Delay(500);
        var baseline = proxy.WorkingSet;

        using var stop = new CancellationTokenSource();
        var opened = 0;
        var allOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holders = Enumerable.Range(0, streams).Select(async _ =>
        {
            using var response = await client.GetAsync("/v1/held-stream", HttpCompletionOption.ResponseHeadersRead, stop.Token);
            await using var body = await response.Content.ReadAsStreamAsync(stop.Token);
            _ = await body.ReadAsync(new byte[256], stop.Token);
            if (Interlocked.Increment(ref opened) == streams)
            {
                allOpen.TrySetResult();
            }

            try
            {
                _ = await body.ReadAsync(new byte[256], stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }).ToList();

        await allOpen.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await Task.Delay(1000);
        var withStreams = proxy.WorkingSet;
        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(holders);
        }
        catch (OperationCanceledException)
        {
        }

        var perStream = (withStreams - baseline) / 1024.0 / streams;
        return new Figure($"memory with {streams} concurrent open SSE streams, per stream", perStream, "KB", 64, "≤ 64 KB", 0);
    }

    /// <summary>
    /// Transactions for a hot key's admitted (successful) requests, then for its refusals once the process knows the hour is
    /// used up; then for another key's requests that fail upstream (503), each admitted and then given back.
    /// </summary>
    private static async Task<Figure[]> TransactionsAsync(string storage, Uri upstream)
    {
        const int limit = 300;
        await using var proxy = await InProcessProxy.StartAsync(storage, upstream, limit);
        using var client = Load.Client(proxy.BaseAddress, "sk-benchmark-limit-" + Guid.NewGuid().ToString("N"));

        // Steady state: the first request reads the keys table (then once per refresh interval, whatever the
        // traffic) and may create the day's counter table; it is left out of the figure.
        await Load.ChatAsync(client);
        var before = proxy.Transactions.Count;
        for (var i = 1; i < limit; i++)
        {
            await Load.ChatAsync(client);
        }

        var admitted = (proxy.Transactions.Count - before) / (double)(limit - 1);
        before = proxy.Transactions.Count;
        var refusals = 0;
        for (var i = 0; i < limit; i++)
        {
            using var response = await client.PostAsync("/v1/chat/completions", new StringContent("{}"));
            refusals += (int)response.StatusCode == 429 ? 1 : 0;
        }

        if (refusals != limit)
        {
            throw new InvalidOperationException($"{refusals} of {limit} requests past the limit were refused.");
        }

        var refused = (proxy.Transactions.Count - before) / (double)limit;
        var failed = await FailedRequestTransactionsAsync(proxy, limit);
        return
        [
            new Figure("Table transactions per successful (admitted) request", admitted, "", 1, "≤ 1", 0),
            new Figure("Table transactions per refused request after exhaustion", refused, "", 0, "0", 0),
            new Figure("Table transactions per failed request (upstream 503, refunded)", failed, "", 2, "≤ 2", 0),
        ];
    }

    /// <summary>
    /// As many failing requests as the limit, one at a time on one key: had a refund not been given back, the last ones would
    /// be refused. Its write is left to finish before the count is read.
    /// </summary>
    private static async Task<double> FailedRequestTransactionsAsync(InProcessProxy proxy, int requests)
    {
        using var client = Load.Client(proxy.BaseAddress, "sk-benchmark-failing-" + Guid.NewGuid().ToString("N"));
        await Load.ChatAsync(client);
        var before = proxy.Transactions.Count;
        var failures = 0;
        for (var i = 0; i < requests; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent("""{"model":"fail-503","messages":[]}""", System.Text.Encoding.UTF8, "application/json"),
            };
            using var response = await client.SendAsync(request);
            failures += (int)response.StatusCode == 503 ? 1 : 0;
        }

        if (failures != requests)
        {
            throw new InvalidOperationException($"{failures} of {requests} failing requests reached the upstream: the rest were refused, so their units were not given back.");
        }

        await Task.Delay(TimeSpan.FromMilliseconds(500));
        return (proxy.Transactions.Count - before) / (double)requests;
    }
}
