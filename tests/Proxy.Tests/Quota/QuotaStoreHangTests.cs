using System.Diagnostics;
using System.Globalization;
using System.Net;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Quota;

/// <summary>
/// When Table storage hangs instead of refusing, only the first request finds out, by waiting out the store timeout; the
/// circuit it opens spares every later one the wait. The proxy runs on a clock the test moves, so a request that waited
/// for a timeout would never be answered while the clock stands still.
/// </summary>
public sealed class QuotaStoreHangTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    private static readonly TimeSpan s_storeTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TableServiceHangs_OnlyTheFirstRequestWaitsForTheTimeout_AndTheRestAreAnsweredWithTheClockStill()
    {
        using var blackHole = new BlackHoleListener();
        var proxy = (InProcessProxy)await fixture.StartProxyWithTestClockAsync(fixture.Upstream.BaseAddress,
            ("AzureWebJobsStorage", AzuriteProcess.ConnectionStringFor(blackHole.Port, fixture.Azurite.QueuePort)),
            ("Proxy__Quota__FreeRequestsPerHour", "1000"),
            ("Proxy__Quota__StoreTimeout", s_storeTimeout.ToString("c", CultureInfo.InvariantCulture)));
        await using var stopped = proxy;
        var clock = proxy.Clock!;
        using var client = ProxyFixture.ClientFor(proxy, withKey: false);
        client.DefaultRequestHeaders.Authorization = new("Bearer", "sk-hang-" + Guid.NewGuid().ToString("N"));

        // The first request waits on the store until the timeout, which passes only as the clock is moved.
        var first = client.GetAsync("/v1/echo");
        var waited = Stopwatch.StartNew();
        while (!first.IsCompleted)
        {
            Assert.True(waited.Elapsed < s_hang, "the first request was answered once its store wait timed out");
            clock.Advance(s_storeTimeout);
            await Task.WhenAny(first, Task.Delay(TimeSpan.FromMilliseconds(100)));
        }

        using (var admitted = await first)
        {
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
            Assert.False(admitted.Headers.Contains("X-RateLimit-Remaining"), "an uncounted request claims no count");
        }

        for (var i = 0; i < 19; i++)
        {
            using var response = await client.GetAsync("/v1/echo").WaitAsync(s_hang);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(response.Headers.Contains("X-RateLimit-Remaining"), "an uncounted request claims no count");
        }
    }
}
