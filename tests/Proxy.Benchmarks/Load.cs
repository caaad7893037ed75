using System.Diagnostics;
using System.Net;
using System.Text;

namespace Proxy.Benchmarks;

/// <summary>The calls the benchmark makes, and the two ways it makes them: one at a time for latency, many at once for throughput.</summary>
internal static class Load
{
    private static readonly byte[] s_chatBody = Encoding.UTF8.GetBytes("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello."}]}""");

    public static HttpClient Client(Uri baseAddress, string key = "sk-benchmark") => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        MaxConnectionsPerServer = int.MaxValue,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),

        // A stream left early closes its connection at once instead of being drained for two seconds.
        MaxResponseDrainSize = 0,
    })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromMinutes(5),
        DefaultRequestHeaders = { Authorization = new("Bearer", key) },
    };

    /// <summary>A small chat completion, answered at once by the fake upstream.</summary>
    public static async Task ChatAsync(HttpClient client, string? key = null)
    {
        using var request = ChatRequest(key);
        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The chat completion answered {(int)response.StatusCode}.");
        }
    }

    /// <summary>The small chat completion's request, with <paramref name="key"/> instead of the client's own when given.</summary>
    public static HttpRequestMessage ChatRequest(string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new ByteArrayContent(s_chatBody) };
        request.Content.Headers.ContentType = new("application/json");
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }

        return request;
    }

    /// <summary>Milliseconds until the first event of a short SSE stream arrives; the rest is read so the connection is reused.</summary>
    public static async Task<double> TimeToFirstEventAsync(HttpClient client)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync("/v1/sse-quick", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[4096];
        if (await body.ReadAsync(buffer) == 0)
        {
            throw new InvalidOperationException("The stream ended before its first event.");
        }

        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        while (await body.ReadAsync(buffer) > 0)
        {
        }

        return elapsed;
    }

    public static async Task<List<double>> SequentialAsync(Func<Task> call, int count)
    {
        var latencies = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return latencies;
    }

    /// <summary>Requests per second with <paramref name="concurrency"/> callers for <paramref name="duration"/>.</summary>
    public static async Task<double> ThroughputAsync(Func<int, Task> call, int concurrency, TimeSpan duration) =>
        (await RoundAsync(call, concurrency, duration)).PerSecond;

    /// <summary>How many calls <paramref name="concurrency"/> callers completed in <paramref name="duration"/>, and in how long exactly.</summary>
    public static async Task<LoadRound> RoundAsync(Func<int, Task> call, int concurrency, TimeSpan duration)
    {
        long completed = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            while (clock.Elapsed < duration)
            {
                await call(worker);
                Interlocked.Increment(ref completed);
            }
        }));
        return new LoadRound(completed, clock.Elapsed);
    }
}
