using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Proxy.Tests.Infrastructure;

namespace Proxy.Benchmarks;

/// <summary>
/// The token budget, measured in process against <see cref="MeteringUpstream"/>: the tokens counted for a concurrent
/// burst of one key whose every request sets <c>max_tokens</c>, against its tier's limit, on one process and on two
/// sharing the store (goal: never over); and the Table transactions per request of a busy key with a token limit, whose
/// requests each reserve and settle (goal: its count and its settle, at most).
/// </summary>
internal static class TokenBudget
{
    private const long Limit = 100_000;
    private const int Cap = 50;
    private const int Burst = 2_000;
    private const int Concurrency = 64;
    private static readonly TimeSpan s_duration = TimeSpan.FromSeconds(5);
    private static readonly byte[] s_body = Encoding.UTF8.GetBytes(
        $"{{\"model\":\"gpt\",\"max_tokens\":{Cap},\"messages\":[{{\"role\":\"user\",\"content\":\"Say hi. {new string('.', 100)}\"}}]}}");

    /// <summary><c>dotnet Proxy.Benchmarks.dll tokens</c>: these figures alone, with their own Azurite.</summary>
    public static async Task<int> RunAloneAsync(TextWriter output)
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        var figures = await MeasureAsync(azurite.ConnectionString);
        output.WriteLine("| figure | measured | noise | goal | verdict |");
        output.WriteLine("|---|---|---|---|---|");
        foreach (var figure in figures)
        {
            output.WriteLine(figure.Row());
        }

        return figures.Any(figure => figure.Missed) ? 1 : 0;
    }

    public static async Task<Figure[]> MeasureAsync(string storage)
    {
        await using var upstream = await MeteringUpstream.StartAsync();
        var one = await BurstAsync(storage, upstream.BaseAddress, processes: 1);
        var two = await BurstAsync(storage, upstream.BaseAddress, processes: 2);
        var transactions = await TransactionsPerRequestAsync(storage, upstream.BaseAddress);
        var answer = MeteringUpstream.AnswerTokens(Cap);
        return
        [
            BurstFigure(one, 1, answer),
            BurstFigure(two, 2, answer),
            new Figure($"token budget: Table transactions per request, one busy key with a token limit, concurrency {Concurrency} (its quota's alone)",
                transactions, "", 2, "≤ 2 (a count and a settle)", 0),
        ];
    }

    private static Figure BurstFigure((long Counted, int Admitted, int Refused) burst, int processes, long answer) => new(
        $"token budget: tokens counted ÷ limit, a burst of {Burst} with max_tokens {Cap} at concurrency {Concurrency} on {processes} process(es) " +
        $"({burst.Counted} of {Limit}; {burst.Admitted} admitted × {answer}, {burst.Refused} refused)",
        burst.Counted / (double)Limit, "", 1, "≤ 1 (never over)", 0);

    /// <summary>The tokens the key's row counts once the burst is over, and how many requests were admitted and refused.</summary>
    private static async Task<(long Counted, int Admitted, int Refused)> BurstAsync(string storage, Uri upstream, int processes)
    {
        var tiers = ("Proxy:Tiers:TableName", "tiers" + Guid.NewGuid().ToString("N"));
        var proxies = new List<InProcessProxy>();
        for (var i = 0; i < processes; i++)
        {
            proxies.Add(await InProcessProxy.StartAsync(storage, upstream, 1_000_000_000, tiers, ("Proxy:Quota:FreeTokensPerHour", Limit.ToString(CultureInfo.InvariantCulture))));
        }

        var key = "sk-benchmark-tokens-" + Guid.NewGuid().ToString("N");
        var clients = proxies.Select(proxy => Load.Client(proxy.BaseAddress, key)).ToList();
        var statuses = new ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Burst), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, cancellationToken) =>
            statuses.Add(await ChatAsync(clients[i % processes], cancellationToken)));

        var (counted, _) = await SettledAsync(clients[0]);
        clients.ForEach(client => client.Dispose());
        foreach (var proxy in proxies)
        {
            await proxy.DisposeAsync();
        }

        return (counted, statuses.Count(status => status == HttpStatusCode.OK), statuses.Count(status => status == HttpStatusCode.TooManyRequests));
    }

    /// <summary>The quota's transactions (the ledger's left out) per request of one busy key with a token limit, its settles all written.</summary>
    private static async Task<double> TransactionsPerRequestAsync(string storage, Uri upstream)
    {
        await using var proxy = await InProcessProxy.StartAsync(storage, upstream, 1_000_000_000, ("Proxy:Quota:FreeTokensPerHour", "1000000000000"));
        using var client = Load.Client(proxy.BaseAddress, "sk-benchmark-tokens-busy-" + Guid.NewGuid().ToString("N"));

        // Warmed up first: the key's row exists, and the code is compiled.
        await Load.RoundAsync(_ => ChatAsync(client, CancellationToken.None), Concurrency, TimeSpan.FromSeconds(1));
        await SettledAsync(client);
        var before = proxy.Transactions.Count - proxy.LedgerTransactions.Count;
        long requests = 0;
        await Load.RoundAsync(async _ =>
        {
            await ChatAsync(client, CancellationToken.None);
            Interlocked.Increment(ref requests);
        }, Concurrency, s_duration);
        var (_, reads) = await SettledAsync(client);

        // The reads that waited for the settles are the benchmark's, not the requests'.
        return (proxy.Transactions.Count - proxy.LedgerTransactions.Count - before - reads) / (double)requests;
    }

    private static async Task<HttpStatusCode> ChatAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(s_body);
        content.Headers.ContentType = new("application/json");
        using var response = await client.PostAsync("/v1/chat/completions", content, cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return response.StatusCode;
    }

    /// <summary>The key's tokens used this hour once nothing is reserved any more (every settle written), and the reads it took.</summary>
    private static async Task<(long Used, int Reads)> SettledAsync(HttpClient client)
    {
        for (var (reads, deadline) = (1, DateTime.UtcNow + TimeSpan.FromSeconds(30)); ; reads++, await Task.Delay(100))
        {
            using var quota = JsonDocument.Parse(await client.GetStringAsync("/quota"));
            var tokens = quota.RootElement.GetProperty("tokens");
            if (tokens.GetProperty("reserved").GetInt64() == 0 || DateTime.UtcNow > deadline)
            {
                return (tokens.GetProperty("used").GetInt64(), reads);
            }
        }
    }
}
