using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Quota;

/// <summary>
/// Client traffic alone cannot open the quota circuit: a burst of made-up keys, each a new counter row, is held to a
/// bounded number of store calls, what is over is shed with a documented 503, and another key is counted exactly through it.
/// </summary>
public abstract class QuotaLoadSheddingTests(ProxyFixture fixture, ITestOutputHelper output)
{
    private const int Limit = 5;
    private const int RandomKeyRequests = 5000;
    private const int KeyUnderTestRequests = 50;

    [Fact]
    public async Task RandomKeyBurst_ShedsWhatIsOverWithoutOpeningTheCircuit_AndTheKeyUnderTestStaysExact()
    {
        // Permits narrower than the burst (8 new keys of 32 writes) and a queue shorter than the burst is wide, so that some
        // rounds are shed. An Azurite of its own: the burst slows the storage it hits, and the shared one also serves the
        // collection's Functions host, which gives up and stops when its own storage calls keep failing.
        await using var azurite = await AzuriteProcess.StartAsync();
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("AzureWebJobsStorage", azurite.ConnectionString),
            ("Proxy__Quota__FreeRequestsPerHour", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Proxy__Quota__MaxConcurrentStoreWrites", "32"),
            ("Proxy__Quota__MaxConcurrentNewKeys", "8"),
            ("Proxy__Quota__StoreQueueLimit", "32"));

        var burst = await BurstAsync(proxy, concurrency: 128);

        burst.AssertTheKeyUnderTestStaysExact();
        Assert.NotEmpty(burst.Sheds);
        foreach (var shed in burst.Sheds)
        {
            await ErrorBodyAssert.MatchesAsync(shed, 503, "/v1/echo", "Service unavailable");
            Assert.Equal("1", Assert.Single(shed.Headers.GetValues("Retry-After")));
            Assert.False(shed.Headers.Contains("X-RateLimit-Remaining"), "a shed request was not counted");
        }

        Assert.Contains(proxy.Output, line => line.Contains("Failure overloaded (503) from proxy", StringComparison.Ordinal));
        burst.Dispose();
    }

    [Fact]
    public async Task RandomKeyBurst_WithTheDefaultSettings_NeverLetsTheKeyUnderTestPastItsLimit()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("AzureWebJobsStorage", azurite.ConnectionString),
            ("Proxy__Quota__FreeRequestsPerHour", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        using var burst = await BurstAsync(proxy, concurrency: 500);

        burst.AssertTheKeyUnderTestStaysExact();
    }

    /// <summary>
    /// <see cref="RandomKeyRequests"/> requests with made-up keys at <paramref name="concurrency"/>, and every 101st the key
    /// under test's (limit <see cref="Limit"/>), so that its 50 are spread over the whole burst.
    /// </summary>
    private async Task<Burst> BurstAsync(ProxyProcess proxy, int concurrency)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = concurrency })
        {
            BaseAddress = proxy.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        var keyUnderTest = "sk-under-test-" + Guid.NewGuid().ToString("N");
        var run = Guid.NewGuid().ToString("N");
        var keyTarget = "/v1/echo?key-under-test=" + run;
        var total = RandomKeyRequests + KeyUnderTestRequests;
        var next = -1;
        var burst = new Burst(proxy, output);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < total)
            {
                var isKeyUnderTest = i % (RandomKeyRequests / KeyUnderTestRequests + 1) == 0;
                using var request = new HttpRequestMessage(HttpMethod.Get, isKeyUnderTest ? keyTarget : "/v1/echo?burst=" + run);
                request.Headers.Authorization = new("Bearer", isKeyUnderTest ? keyUnderTest : "sk-made-up-" + Guid.NewGuid().ToString("N"));
                burst.Add(isKeyUnderTest, await client.SendAsync(request));
            }
        })));

        burst.Report(concurrency, clock.Elapsed, fixture.Upstream.Requests.Count(request => request.Target == keyTarget));
        return burst;
    }

    /// <summary>What a burst got: every status, the key under test's, and the first shed answers.</summary>
    private sealed class Burst(ProxyProcess proxy, ITestOutputHelper output) : IDisposable
    {
        private readonly ConcurrentBag<int> _keyStatuses = [];
        private readonly ConcurrentBag<int> _randomStatuses = [];
        private int _keyUncounted;
        private int _admittedForKey;

        public ConcurrentBag<HttpResponseMessage> Sheds { get; } = [];

        public void Add(bool isKeyUnderTest, HttpResponseMessage response)
        {
            (isKeyUnderTest ? _keyStatuses : _randomStatuses).Add((int)response.StatusCode);
            if (isKeyUnderTest && response.StatusCode == HttpStatusCode.OK && !response.Headers.Contains("X-RateLimit-Remaining"))
            {
                Interlocked.Increment(ref _keyUncounted);
            }

            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && Sheds.Count < 20)
            {
                Sheds.Add(response);
            }
            else
            {
                response.Dispose();
            }
        }

        public void Report(int concurrency, TimeSpan elapsed, int admittedForKey)
        {
            _admittedForKey = admittedForKey;
            var byStatus = _randomStatuses.GroupBy(status => status).OrderBy(group => group.Key).Select(group => $"{group.Key}: {group.Count()}");
            var keyByStatus = _keyStatuses.GroupBy(status => status).OrderBy(group => group.Key).Select(group => $"{group.Key}: {group.Count()}");
            output.WriteLine($"{_randomStatuses.Count} random-key requests at concurrency {concurrency} in {elapsed.TotalSeconds:F1} s: {string.Join(", ", byStatus)}");
            output.WriteLine($"key under test: {_keyStatuses.Count} requests ({string.Join(", ", keyByStatus)}), {admittedForKey} reached the upstream " +
                $"({_keyUncounted} of them admitted uncounted), limit {Limit}");
        }

        /// <summary>
        /// Counted exactly, and never past its limit: no request of it admitted uncounted, since a slow store is not a
        /// store that is gone, and the circuit never opened (its line, which only the standalone host shows).
        /// </summary>
        public void AssertTheKeyUnderTestStaysExact()
        {
            Assert.Equal(_admittedForKey, _keyStatuses.Count(status => status == 200));
            Assert.Equal(0, _keyUncounted);
            Assert.InRange(_admittedForKey, 1, Limit);
            Assert.All(_keyStatuses.Concat(_randomStatuses), status => Assert.True(status is 200 or 429 or 503, $"status {status}"));
            Assert.DoesNotContain(proxy.Output, line => line.Contains("Table storage did not answer", StringComparison.Ordinal));
            Assert.DoesNotContain(proxy.Output, line => line.Contains("Failure quota_store_unavailable", StringComparison.Ordinal));
        }

        public void Dispose()
        {
            foreach (var shed in Sheds)
            {
                shed.Dispose();
            }
        }
    }
}

[Trait(Layer.Name, Layer.Slow)]
public sealed class QuotaLoadSheddingTestsInProcess(InProcessFixture fixture, ITestOutputHelper output) : QuotaLoadSheddingTests(fixture, output), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class QuotaLoadSheddingTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : QuotaLoadSheddingTests(fixture, output);
