using System.Diagnostics;
using System.Globalization;
using System.Net;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Quota;

/// <summary>
/// Refunds as clients see them, through proxy processes sharing one Azurite: exact across two processes with
/// a third of the calls failing upstream, the known-exhausted shortcut across processes, what the failure record says,
/// and the paths that do not count.
/// </summary>
public abstract class QuotaRefundEndToEndTests(ProxyFixture fixture, ITestOutputHelper output)
{
    [Trait(Layer.Name, Layer.Slow)]
    [Fact]
    public async Task ConcurrentRequestsOverTwoProcesses_WithAThirdFailingUpstream_StillLetExactlyTheLimitSucceed()
    {
        const int Limit = 50;
        var recheck = TimeSpan.FromMilliseconds(500);
        var settings = new[]
        {
            ("Proxy__Quota__FreeRequestsPerHour", Limit.ToString(CultureInfo.InvariantCulture)),
            ("Proxy__Quota__ExhaustedRecheckInterval", recheck.ToString()),
        };
        await using var first = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, settings);
        await using var second = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, settings);
        var key = "sk-refund-exact-" + Guid.NewGuid().ToString("N");
        var run = Guid.NewGuid().ToString("N");
        using var firstClient = ClientWithKey(first, key);
        using var secondClient = ClientWithKey(second, key);
        HttpClient ClientFor(int i) => i % 2 == 0 ? firstClient : secondClient;

        // A third of the calls fail upstream (503): each gives its unit back once it has failed.
        var burst = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await ClientFor(i).GetAsync(i % 3 == 0 ? $"/v1/errors/aimlapi/503?run={run}" : $"/v1/echo?run={run}");
            return (int)response.StatusCode;
        }));
        var successes = burst.Count(status => status == 200);
        var failed = burst.Count(status => status == 503);
        output.WriteLine($"burst of 200 over two processes, limit {Limit}: {successes} succeeded, {failed} failed upstream (503, refunded), {burst.Count(status => status == 429)} refused");

        // Callers come back for the units the failures gave back, until both processes, having read again, refuse.
        var refusedInARow = 0;
        for (var i = 0; refusedInARow < 4 && i < 400; i++)
        {
            using var response = await ClientFor(i).GetAsync($"/v1/echo?run={run}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                (successes, refusedInARow) = (successes + 1, 0);
                continue;
            }

            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            refusedInARow++;
            await Task.Delay(recheck + TimeSpan.FromMilliseconds(100));
        }

        output.WriteLine($"then {successes} successes in all; the upstream answered {EchoesOf(run)} of them");
        Assert.True(successes <= Limit, $"{successes} successes against a limit of {Limit}");
        Assert.Equal(Limit, successes);
        Assert.Equal(Limit, EchoesOf(run));
    }

    [Trait(Layer.Name, Layer.Slow)]
    [Fact]
    public async Task RefundInOneProcess_IsSeenByTheOtherWithinTheRecheckInterval()
    {
        var recheck = new Proxy.Quota.QuotaOptions().ExhaustedRecheckInterval;
        var limit = ("Proxy__Quota__FreeRequestsPerHour", "1");
        await using var first = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, limit);
        await using var second = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, limit);
        var key = "sk-refund-seen-" + Guid.NewGuid().ToString("N");
        using var firstClient = ClientWithKey(first, key);
        using var secondClient = ClientWithKey(second, key);

        // The first process's request holds the hour's one unit until the upstream times out (504), then gives it back.
        var stalled = firstClient.GetAsync("/v1/stall?ms=" + (ProxyFixture.UpstreamTimeout * 2).TotalMilliseconds.ToString(CultureInfo.InvariantCulture));
        await Eventually.TrueAsync(() => Task.FromResult(fixture.Upstream.Requests.Any(request => request.Target.StartsWith("/v1/stall", StringComparison.Ordinal)
            && request.Headers.GetValueOrDefault("Authorization") == "Bearer " + key)), TimeSpan.FromSeconds(10), "the stalled request reaches the upstream");
        using (var refused = await secondClient.GetAsync("/v1/echo"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        using (var timedOut = await stalled)
        {
            Assert.Equal(HttpStatusCode.GatewayTimeout, timedOut.StatusCode);
            Assert.Equal("1", Assert.Single(timedOut.Headers.GetValues("X-RateLimit-Remaining")));
        }

        var sinceRefund = Stopwatch.StartNew();
        var refusedMeanwhile = 0;
        while (true)
        {
            using var response = await secondClient.GetAsync("/v1/echo");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            refusedMeanwhile++;
            Assert.True(sinceRefund.Elapsed < recheck + TimeSpan.FromSeconds(2), $"the refund was not seen within {sinceRefund.Elapsed}");
            await Task.Delay(100);
        }

        output.WriteLine($"a refund in the first process was seen by the second after {sinceRefund.ElapsedMilliseconds} ms ({refusedMeanwhile} refusals meanwhile, " +
            $"answered from what it knew; bound Proxy__Quota__ExhaustedRecheckInterval = {recheck.TotalMilliseconds} ms)");
        Assert.True(refusedMeanwhile > 0, "the second process answered from what it knew until it read again");
    }

    [Fact]
    public async Task Failures_TheirRecordsSayWhetherTheirUnitWasGivenBack()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Proxy__Quota__FreeRequestsPerHour", "5"));
        using var client = ClientWithKey(proxy, "sk-refund-record-" + Guid.NewGuid().ToString("N"));

        using var upstreamDown = await client.GetAsync("/v1/errors/openai/503");
        using var clientError = await client.GetAsync("/v1/errors/openai/400");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, upstreamDown.StatusCode);
        Assert.Equal("5", Assert.Single(upstreamDown.Headers.GetValues("X-RateLimit-Remaining")));
        Assert.Equal("4", Assert.Single(clientError.Headers.GetValues("X-RateLimit-Remaining")));
        var refunded = await fixture.Failures.WaitForAsync(RequestId(upstreamDown));
        var counted = await fixture.Failures.WaitForAsync(RequestId(clientError));
        Assert.True(refunded.Refunded);
        Assert.False(counted.Refunded);
        Assert.Equal(3, refunded.SchemaVersion);
    }

    [Fact]
    public async Task ListingModels_DoesNotCountEvenOnceTheHourIsUsedUp()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Proxy__Quota__FreeRequestsPerHour", "1"));
        var key = "sk-models-" + Guid.NewGuid().ToString("N");
        using var client = ClientWithKey(proxy, key);

        var listings = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var listing = await client.GetAsync("/v1/models");
            Assert.False(listing.Headers.Contains("X-RateLimit-Remaining"), "an uncounted request claims no count");
            listings.Add(listing.StatusCode);
        }

        using var counted = await client.GetAsync("/v1/echo");
        using var model = await client.GetAsync("/v1/models/gpt-4o");
        using var refused = await client.GetAsync("/v1/echo");

        Assert.Equal(HttpStatusCode.OK, counted.StatusCode);
        Assert.Equal("0", Assert.Single(counted.Headers.GetValues("X-RateLimit-Remaining")));
        Assert.NotEqual(HttpStatusCode.TooManyRequests, model.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, listings);
        Assert.Equal(4, fixture.Upstream.Requests.Count(request => request.Target.StartsWith("/v1/models", StringComparison.Ordinal)
            && request.Headers.GetValueOrDefault("Authorization") == "Bearer " + key));
    }

    [Fact]
    public async Task UncountedPathsSetting_ChoosesWhichReadsAreNotCounted()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Quota__FreeRequestsPerHour", "1"), ("Proxy__Quota__UncountedPaths", "/v1/echo"));
        using var client = ClientWithKey(proxy, "sk-uncounted-" + Guid.NewGuid().ToString("N"));

        for (var i = 0; i < 3; i++)
        {
            using var echo = await client.GetAsync("/v1/echo");
            Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        }

        using var models = await client.GetAsync("/v1/models");
        using var refused = await client.GetAsync("/v1/models");
        Assert.Equal("0", Assert.Single(models.Headers.GetValues("X-RateLimit-Remaining")));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
    }

    private int EchoesOf(string run) => fixture.Upstream.Requests.Count(request => request.Target == $"/v1/echo?run={run}");

    private static string RequestId(HttpResponseMessage response) => Assert.Single(response.Headers.GetValues("x-request-id"));

    private static HttpClient ClientWithKey(ProxyProcess proxy, string key)
    {
        var client = ProxyFixture.ClientFor(proxy, withKey: false);
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }
}

public sealed class QuotaRefundEndToEndTestsInProcess(InProcessFixture fixture, ITestOutputHelper output) : QuotaRefundEndToEndTests(fixture, output), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class QuotaRefundEndToEndTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : QuotaRefundEndToEndTests(fixture, output);
