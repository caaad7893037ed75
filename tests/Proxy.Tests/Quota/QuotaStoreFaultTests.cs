using System.Diagnostics;
using System.Net;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Quota;

/// <summary>When Table storage is gone or hangs, the proxy neither hangs nor guesses: it fails open or closed, fast, and recovers.</summary>
public abstract class QuotaStoreFaultTests(ProxyFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan s_storeTimeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task TableServiceStopped_FailOpenAdmitsAndReports_FailClosedRefuses_AndCountingResumesWhenItIsBack()
    {
        var table = await AzuriteProcess.StartTableServiceAsync();
        var tablePort = table.TablePort;
        try
        {
            await using var open = await StartProxyAsync(AzuriteProcess.ConnectionStringFor(tablePort, fixture.Azurite.QueuePort), "Open");
            await using var closed = await StartProxyAsync(AzuriteProcess.ConnectionStringFor(tablePort, fixture.Azurite.QueuePort), "Closed");
            using var openClient = ClientWithNewKey(open);
            using var closedClient = ClientWithNewKey(closed);

            using (var counted = await openClient.GetAsync("/v1/echo"))
            {
                Assert.Equal(HttpStatusCode.OK, counted.StatusCode);
                Assert.Equal("999", Assert.Single(counted.Headers.GetValues("X-RateLimit-Remaining")));
            }

            await table.DisposeAsync();

            for (var i = 0; i < 10; i++)
            {
                using var admitted = await openClient.GetAsync("/v1/echo");
                Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
                Assert.False(admitted.Headers.Contains("X-RateLimit-Remaining"), "an uncounted request claims no count");

                using var refused = await closedClient.GetAsync("/v1/echo");
                await ErrorBodyAssert.MatchesAsync(refused, 503, "/v1/echo", "Service unavailable");
            }

            Assert.Contains(open.Output, line => line.Contains("Failure quota_store_unavailable (200) from proxy", StringComparison.Ordinal));

            table = await AzuriteProcess.StartTableServiceAsync(tablePort);
            var resumed = await WaitUntilCountedAsync(openClient, TimeSpan.FromSeconds(15));
            output.WriteLine($"counting resumed {resumed.TotalMilliseconds:F0} ms after the table service came back");
        }
        finally
        {
            await table.DisposeAsync();
        }
    }

    [Fact]
    public async Task TableServiceHangs_OnlyTheFirstRequestsWaitForTheTimeout()
    {
        using var blackHole = new BlackHoleListener();
        await using var proxy = await StartProxyAsync(AzuriteProcess.ConnectionStringFor(blackHole.Port, fixture.Azurite.QueuePort), "Open");
        using var client = ClientWithNewKey(proxy);

        var latencies = new List<TimeSpan>();
        for (var i = 0; i < 20; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await client.GetAsync("/v1/echo");
            latencies.Add(clock.Elapsed);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        output.WriteLine("latencies (ms): " + string.Join(", ", latencies.Select(latency => latency.TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture))));

        // The first request finds out (at most the keys read and the count, one store timeout each); after that the
        // circuit is open and no request waits out the store timeout again. (The bound is the timeout itself, not a
        // guess at how fast a loaded 2-core machine answers.)
        Assert.InRange(latencies[0], TimeSpan.Zero, (s_storeTimeout * 2) + TimeSpan.FromSeconds(2));
        Assert.All(latencies.Skip(1), latency => Assert.True(latency < s_storeTimeout, $"{latency.TotalMilliseconds:F0} ms with the circuit open"));
    }

    private static async Task<TimeSpan> WaitUntilCountedAsync(HttpClient client, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            using var response = await client.GetAsync("/v1/echo");
            if (response.Headers.Contains("X-RateLimit-Remaining"))
            {
                return clock.Elapsed;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"counting did not resume within {timeout}");
        return timeout;
    }

    private Task<ProxyProcess> StartProxyAsync(string storage, string failureMode) =>
        fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("AzureWebJobsStorage", storage),
            ("Proxy__Quota__FreeRequestsPerHour", "1000"),
            ("Proxy__Quota__FailureMode", failureMode),
            ("Proxy__Quota__StoreTimeout", s_storeTimeout.ToString()),
            ("Proxy__Quota__ProbeInterval", "00:00:00.250"));

    private static HttpClient ClientWithNewKey(ProxyProcess proxy)
    {
        var client = ProxyFixture.ClientFor(proxy, withKey: false);
        client.DefaultRequestHeaders.Authorization = new("Bearer", "sk-fault-" + Guid.NewGuid().ToString("N"));
        return client;
    }
}

[Collection(OnStandaloneHost.Name)]
public sealed class QuotaStoreFaultTestsOnStandaloneHost(StandaloneHostFixture fixture, ITestOutputHelper output) : QuotaStoreFaultTests(fixture, output);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
public sealed class QuotaStoreFaultTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : QuotaStoreFaultTests(fixture, output);
