using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Failures;

/// <summary>
/// A flood of failures without a key (pipelined 404s) cannot push out the records of keyed failures
/// made meanwhile, and every anonymous failure is still counted: as its own record, or in an aggregated one.
/// </summary>
public abstract class AnonymousFailureFloodTests(ProxyFixture fixture, ITestOutputHelper output)
{
    private const int Connections = 8;
    private const int KeyedErrors = 50;

    /// <summary>Bounded by count: the Functions host serves one request in several times the standalone host's time.</summary>
    private int RequestsPerConnection => fixture.Kind == ProxyHostKind.Functions ? 1_000 : 5_000;

    [Fact]
    public async Task PipelinedAnonymous404Flood_LosesNoKeyedRecordAndCountsEveryAnonymousFailure()
    {
        var queueName = "flood-" + Guid.NewGuid().ToString("N")[..8];

        // A buffer far smaller than the flood, so that what is pinned is the design, not the sender's speed.
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Failures__QueueName", queueName),
            ("Proxy__Failures__BufferCapacity", "2000"),
            ("Proxy__Failures__AggregateInterval", "00:00:01"),

            // Each keyed error a record of its own, as they are all one key's 500s (beyond this setting they would be
            // counted instead: KeyedFailureFloodTests).
            ("Proxy__Failures__KeyedRecordsPerInterval", KeyedErrors.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var client = ProxyFixture.ClientFor(proxy);
        var tally = new FailureQueueTally(fixture.Azurite.ConnectionString, queueName);

        var clock = Stopwatch.StartNew();
        var floodTime = TimeSpan.Zero;
        async Task<int> FloodAsync()
        {
            var counts = await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => PipelineNotFoundsAsync(proxy.Port, RequestsPerConnection)));
            floodTime = clock.Elapsed;
            return counts.Sum();
        }

        var flood = FloodAsync();
        var keyedIds = await SendKeyedErrorsDuringTheFloodAsync(client);
        var keyedTime = clock.Elapsed;
        var notFounds = await flood;
        Assert.Equal(Connections * RequestsPerConnection, notFounds);

        long KeyedArrived() => keyedIds.Count(id => tally.Records.Any(record => (string?)record["requestId"] == id));
        long AnonymousCounted() => tally.Failures(record => record["keyId"] is null);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        do
        {
            await Task.Delay(500);
            await tally.ReceiveAvailableAsync();
        }
        while ((KeyedArrived() < KeyedErrors || AnonymousCounted() < notFounds) && DateTime.UtcNow < deadline);
        output.WriteLine($"{notFounds} anonymous 404s in {floodTime.TotalSeconds:F2} s over {Connections} connections, the {KeyedErrors} keyed errors done at {keyedTime.TotalSeconds:F2} s; " +
            $"{KeyedArrived()} of {KeyedErrors} keyed records and {AnonymousCounted()} anonymous failures counted {clock.Elapsed.TotalSeconds:F1} s after the flood began");
        Assert.Equal(KeyedErrors, KeyedArrived());

        // One more aggregation interval: nothing is counted twice.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await tally.ReceiveAvailableAsync();
        var individual = tally.Records.Count(record => record["keyId"] is null && (string?)record["kind"] != "aggregated");
        var aggregated = tally.Failures(record => (string?)record["kind"] == "aggregated");
        output.WriteLine($"{individual} anonymous records, {aggregated} counted in {tally.Records.Count(record => (string?)record["kind"] == "aggregated")} aggregated records");
        Assert.Equal(notFounds, individual + aggregated);
        Assert.All(keyedIds, id => Assert.Single(tally.Records, record => (string?)record["requestId"] == id));
    }

    /// <summary>One connection's pipelined requests without a key, written at once; returns how many 404s came back.</summary>
    private static async Task<int> PipelineNotFoundsAsync(int port, int requests)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var stream = socket.GetStream();
        var head = new StringBuilder();
        for (var i = 0; i < requests; i++)
        {
            head.Append(i == requests - 1
                ? "GET /flood HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                : "GET /flood HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var writing = stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), deadline.Token).AsTask();
        var received = new MemoryStream();
        await stream.CopyToAsync(received, deadline.Token);
        await writing;
        var text = Encoding.ASCII.GetString(received.ToArray());
        return CountOf(text, "HTTP/1.1 404 ");
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Keyed upstream errors, all at once, once the flood has filled the buffer's share for failures without a key.</summary>
    private static async Task<List<string>> SendKeyedErrorsDuringTheFloodAsync(HttpClient client)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        var ids = await Task.WhenAll(Enumerable.Range(0, KeyedErrors).Select(async _ =>
        {
            using var response = await client.GetAsync("/v1/errors/openai/500");
            Assert.Equal(500, (int)response.StatusCode);
            return Assert.Single(response.Headers.GetValues("x-request-id"));
        }));
        return [.. ids];
    }
}

[Trait(Layer.Name, Layer.Slow)]
public sealed class AnonymousFailureFloodTestsInProcess(InProcessFixture fixture, ITestOutputHelper output) : AnonymousFailureFloodTests(fixture, output), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class AnonymousFailureFloodTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : AnonymousFailureFloodTests(fixture, output);
