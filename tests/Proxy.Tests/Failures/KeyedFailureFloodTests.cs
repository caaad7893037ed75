using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Proxy.Auth;
using Proxy.Failures;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Failures;

/// <summary>
/// A used-up key's pipelined 429s, answered from memory far faster than the queue takes records, cannot push out the
/// records of another client's failures made meanwhile, while the queue is healthy; and every refusal is still counted,
/// as one of the first records of its key, kind and status or in its aggregated record.
/// </summary>
public sealed class KeyedFailureFloodTests(InProcessFixture fixture, ITestOutputHelper output) : IClassFixture<InProcessFixture>
{
    private const int Connections = 8;
    private const int RequestsPerConnection = 1_500;
    private const int Limit = 5;

    /// <summary>The other client's failures are sent once this many refusals have come back: the flood is under way.</summary>
    private const int RefusalsBeforeTheOtherClient = 2_000;

    /// <summary>Far smaller than the flood, so that what is pinned is the design, not the sender's speed.</summary>
    private const int BufferCapacity = 50;

    /// <summary><see cref="FailureOptions.KeyedRecordsPerInterval"/> as it ships.</summary>
    private const int KeyedRecordsPerInterval = 20;

    [Fact]
    public async Task UsedUpKeysPipelined429Flood_LosesNoRecordOfAnotherClient_AndCountsEveryRefusal()
    {
        var queueName = "keyflood-" + Guid.NewGuid().ToString("N")[..8];

        // On a clock the test moves: no aggregation interval ends during the flood, and the used-up key is refused from
        // memory throughout (its count is not read again before the clock moves).
        await using var proxy = (InProcessProxy)await fixture.StartProxyWithTestClockAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Failures__QueueName", queueName),
            ("Proxy__Failures__BufferCapacity", BufferCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Proxy__Quota__FreeRequestsPerHour", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var reader = new FailureQueueReader(fixture.Azurite.ConnectionString, queueName);
        var floodKey = "sk-flood-" + Guid.NewGuid().ToString("N");
        var floodKeyId = ApiKeyHash.Prefix(ApiKeyHash.Of(floodKey));
        using var other = ProxyFixture.ClientFor(proxy, withKey: false);
        other.DefaultRequestHeaders.Authorization = new("Bearer", "sk-other-" + Guid.NewGuid().ToString("N"));

        var refusals = new RefusalCounter(RefusalsBeforeTheOtherClient);
        var flood = Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => PipelineAsync(proxy.Port, floodKey, RequestsPerConnection, refusals)));
        await refusals.Reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var otherIds = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await other.GetAsync("/v1/errors/text/503");
            Assert.Equal(503, (int)response.StatusCode);
            otherIds.Add(Assert.Single(response.Headers.GetValues("x-request-id")));
        }

        var statuses = (await flood).SelectMany(counts => counts).GroupBy(pair => pair.Key).ToDictionary(group => group.Key, group => group.Sum(pair => pair.Value));
        var refused = statuses.GetValueOrDefault(429);
        Assert.Equal(Connections * RequestsPerConnection, statuses.Values.Sum());
        Assert.Equal(Connections * RequestsPerConnection - Limit, refused);

        await reader.WaitForAllAsync(otherIds, TimeSpan.FromSeconds(60));
        proxy.Clock!.Advance(TimeSpan.FromSeconds(10));
        long Counted(IReadOnlyList<FailureRecord> records) => records.Where(record => record.KeyId == floodKeyId).Sum(record => record.Count ?? 1);
        await reader.WaitUntilAsync(records => Counted(records) >= refused, TimeSpan.FromSeconds(60), $"the flood's {refused} refusals are on the queue");

        var floodRecords = reader.Records.Where(record => record.KeyId == floodKeyId).ToList();
        var individual = floodRecords.Where(record => record.Kind == "quota_exceeded").ToList();
        var aggregated = Assert.Single(floodRecords, record => record.Kind == FailureRecord.AggregatedKind);
        var reporter = proxy.Services.GetRequiredService<FailureReporter>();
        output.WriteLine($"{refused} refusals of a used-up key over {Connections} pipelined connections; the other client's 3 upstream 503s sent after " +
            $"{RefusalsBeforeTheOtherClient} of them; on the queue: {individual.Count} records of refusals and one aggregated record counting {aggregated.Count}; " +
            $"{reader.RecordsFor(otherIds[0]).Count + reader.RecordsFor(otherIds[1]).Count + reader.RecordsFor(otherIds[2]).Count} of 3 records of the other client; " +
            $"{reporter.Dropped} records dropped");
        Assert.All(otherIds, id =>
        {
            var record = Assert.Single(reader.RecordsFor(id));
            Assert.Equal((503, "upstream_error"), (record.StatusCode, record.Kind));
        });
        Assert.Equal(0, reporter.Dropped);
        Assert.Equal(KeyedRecordsPerInterval, individual.Count);
        Assert.Equal(refused, individual.Count + Counted([aggregated]));
        Assert.Equal(new[] { new FailureCount("quota_exceeded", 429, refused - KeyedRecordsPerInterval) }, aggregated.Counts);
        Assert.Equal("free", aggregated.Tier);
        Assert.True(string.CompareOrdinal(aggregated.Since, aggregated.Timestamp) <= 0, "since is the first refusal counted, the timestamp the last");
    }

    /// <summary>One connection's pipelined requests with <paramref name="key"/>, written at once; returns how many answers of each status came back.</summary>
    private static async Task<Dictionary<int, int>> PipelineAsync(int port, string key, int requests, RefusalCounter refusals)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var stream = socket.GetStream();
        var head = new StringBuilder();
        for (var i = 0; i < requests; i++)
        {
            head.Append($"GET /v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n");
            head.Append(i == requests - 1 ? "Connection: close\r\n\r\n" : "\r\n");
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var writing = stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), deadline.Token).AsTask();
        var counts = new Dictionary<int, int>();
        var buffer = new byte[64 * 1024];
        var carried = string.Empty;
        int read;
        while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0)
        {
            // A status line cut between two reads is found whole in the next one, with the end of this one carried over.
            var text = carried + Encoding.ASCII.GetString(buffer, 0, read);
            var searched = 0;
            for (var at = text.IndexOf("HTTP/1.1 ", StringComparison.Ordinal); at >= 0 && at + 12 <= text.Length; at = text.IndexOf("HTTP/1.1 ", at + 1, StringComparison.Ordinal))
            {
                var status = int.Parse(text.AsSpan(at + 9, 3), System.Globalization.CultureInfo.InvariantCulture);
                counts[status] = counts.GetValueOrDefault(status) + 1;
                if (status == 429)
                {
                    refusals.Add();
                }

                searched = at + 12;
            }

            carried = text[Math.Max(searched, text.Length - 11)..];
        }

        await writing;
        return counts;
    }

    /// <summary>Refusals seen so far over every connection, and the moment they reach a number.</summary>
    private sealed class RefusalCounter(int target)
    {
        private int _seen;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add()
        {
            if (Interlocked.Increment(ref _seen) == target)
            {
                Reached.SetResult();
            }
        }
    }
}
