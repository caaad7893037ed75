using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Proxy.Tests.Infrastructure;

namespace Proxy.Benchmarks;

/// <summary>
/// The usage ledger's own Table transactions, counted in process at concurrency 64: per request with one hot
/// key, and per key and flush interval with many keys. The flush interval is shortened to one second so that a run of a
/// few seconds spans several flushes; at the default (30 s) a flush costs the same and sums thirty times the requests.
/// </summary>
internal static class LedgerTransactions
{
    private const int Concurrency = 64;
    private const int ManyKeys = 200;
    private static readonly TimeSpan s_flushInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_duration = TimeSpan.FromSeconds(5);

    /// <summary><c>dotnet Proxy.Benchmarks.dll ledger</c>: these figures alone, with their own Azurite and upstream.</summary>
    public static async Task<int> RunAloneAsync(TextWriter output)
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        await using var upstream = await FakeUpstream.StartAsync();
        var figures = await MeasureAsync(azurite.ConnectionString, upstream.BaseAddress);
        output.WriteLine("| figure | measured | noise | goal | verdict |");
        output.WriteLine("|---|---|---|---|---|");
        foreach (var figure in figures)
        {
            output.WriteLine(figure.Row());
        }

        return figures.Any(figure => figure.Missed) ? 1 : 0;
    }

    public static async Task<Figure[]> MeasureAsync(string storage, Uri upstream)
    {
        var run = Guid.NewGuid().ToString("N");
        var hot = await RunAsync(storage, upstream, _ => 0, "sk-ledger-hot-" + run);
        var many = await RunAsync(storage, upstream, n => n % ManyKeys, "sk-ledger-many-" + run);

        return
        [
            new Figure($"usage ledger: Table transactions per request, one hot key, concurrency {Concurrency} (flush every 1 s)",
                hot.Transactions / (double)hot.Requests, "", 0.05, "≤ 0.05", 0),
            new Figure($"usage ledger: Table transactions per key per flush interval, {ManyKeys} keys, concurrency {Concurrency}",
                many.Transactions / (double)many.KeyIntervals, "", 1, "≤ 1", 0),
        ];
    }

    /// <summary>
    /// Requests sent, the ledger's transactions (the shutdown flush included), and the key-intervals used: each key in each
    /// second of the run it was sent in, which is at most the rows the flushes had to write.
    /// </summary>
    private static async Task<(long Requests, int Transactions, int KeyIntervals)> RunAsync(string storage, Uri upstream, Func<int, int> keyIndexOf, string keyPrefix)
    {
        var proxy = await InProcessProxy.StartAsync(storage, upstream, 1_000_000_000,
            ("Proxy:Usage:FlushInterval", s_flushInterval.ToString()), ("Proxy:Usage:TableName", "usage" + Guid.NewGuid().ToString("N")));
        var used = new ConcurrentDictionary<(int Key, long Interval), byte>();
        long requests = 0;
        var clock = Stopwatch.StartNew();
        using (var client = Load.Client(proxy.BaseAddress))
        {
            await Load.ThroughputAsync(async _ =>
            {
                var key = keyIndexOf((int)Interlocked.Increment(ref requests));
                used.TryAdd((key, clock.Elapsed.Ticks / s_flushInterval.Ticks), 0);
                await Load.ChatAsync(client, keyPrefix + "-" + key.ToString(CultureInfo.InvariantCulture));
            }, Concurrency, s_duration);
        }

        // Stopping flushes what the last interval counted.
        await proxy.StopAsync();
        await proxy.DisposeAsync();
        return (requests, proxy.LedgerTransactions.Count, used.Count);
    }
}
