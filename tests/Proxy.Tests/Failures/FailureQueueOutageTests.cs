using System.Diagnostics;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Failures;

/// <summary>
/// A queue that is down slows no response, fails no response, and loses no record of a keyed failure while the process
/// lives, measured over a thousand failures with the queue up and down (its records kept without it:
/// <see cref="FailureQueueDownTests"/>).
/// </summary>
public abstract class FailureQueueOutageTests(ProxyFixture fixture, ITestOutputHelper output)
{
    private const int Requests = 1000;
    private const int Concurrency = 4;

    [Fact]
    public async Task QueueDownFor1000FailingRequests_LatencyUnchangedAndAllRecordsArriveWhenItIsBack()
    {
        var queueName = "outage-" + Guid.NewGuid().ToString("N")[..8];
        var queue = await AzuriteProcess.StartQueueServiceAsync();
        var queuePort = queue.QueuePort;
        try
        {
            await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
                ("AzureWebJobsStorage", AzuriteProcess.ConnectionStringFor(fixture.Azurite.TablePort, queuePort)),
                ("Proxy__Failures__QueueName", queueName),

                // Every one of these same failures of one key a record of its own: what is pinned is the buffer (beyond
                // this setting they would be counted instead: KeyedFailureFloodTests).
                ("Proxy__Failures__KeyedRecordsPerInterval", "10000"));
            using var client = ProxyFixture.ClientFor(proxy);

            await SendFailingRequestsAsync(client, 100);
            var queueUp = await SendFailingRequestsAsync(client, Requests);

            await queue.DisposeAsync();
            var queueDown = await SendFailingRequestsAsync(client, Requests);

            output.WriteLine($"{Requests} failing requests at concurrency {Concurrency}, latency p50 / p99: " +
                $"queue up {Percentile(queueUp.Latencies, 0.5):F2} / {Percentile(queueUp.Latencies, 0.99):F2} ms, " +
                $"queue down {Percentile(queueDown.Latencies, 0.5):F2} / {Percentile(queueDown.Latencies, 0.99):F2} ms");

            // Within noise: the records only ever went to an in-memory buffer on the request path.
            Assert.True(Percentile(queueDown.Latencies, 0.5) <= (Percentile(queueUp.Latencies, 0.5) * 2) + 2,
                "the median response is no slower with the queue down");

            queue = await AzuriteProcess.StartQueueServiceAsync(queuePort);
            var clock = Stopwatch.StartNew();
            using var reader = new FailureQueueReader(AzuriteProcess.ConnectionStringFor(fixture.Azurite.TablePort, queuePort), queueName);
            await reader.WaitForAllAsync(queueDown.RequestIds, TimeSpan.FromSeconds(90));
            output.WriteLine($"all {Requests} records held while the queue was down arrived {clock.ElapsedMilliseconds} ms after it came back");
            Assert.All(queueDown.RequestIds, id => Assert.Single(reader.RecordsFor(id)));
        }
        finally
        {
            await queue.DisposeAsync();
        }
    }

    /// <summary>
    /// Keyed requests the upstream answers with a 500: failures with an accepted key, whose records the buffer keeps
    /// (failures without one, past their share, are counted instead: <see cref="AnonymousFailureFloodTests"/>).
    /// </summary>
    private static async Task<(List<double> Latencies, List<string> RequestIds)> SendFailingRequestsAsync(HttpClient client, int count)
    {
        var latencies = new List<double>(count);
        var ids = new List<string>(count);
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= count)
            {
                var clock = Stopwatch.StartNew();
                using var response = await client.GetAsync("/v1/errors/text/500");
                var elapsed = clock.Elapsed.TotalMilliseconds;
                Assert.Equal(500, (int)response.StatusCode);
                lock (latencies)
                {
                    latencies.Add(elapsed);
                    ids.Add(Assert.Single(response.Headers.GetValues("x-request-id")));
                }
            }
        }));
        return (latencies, ids);
    }

    private static double Percentile(List<double> values, double percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(percentile * sorted.Count))];
    }
}

[Trait(Layer.Name, Layer.Slow)]
public sealed class FailureQueueOutageTestsInProcess(InProcessFixture fixture, ITestOutputHelper output) : FailureQueueOutageTests(fixture, output), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class FailureQueueOutageTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : FailureQueueOutageTests(fixture, output);
