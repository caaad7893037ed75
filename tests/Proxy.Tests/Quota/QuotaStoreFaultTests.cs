using System.Net;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Quota;

/// <summary>
/// When Table storage is gone, the proxy neither hangs nor guesses: it fails open or closed, and recovers (when it hangs
/// instead: <see cref="QuotaStoreHangTests"/>).
/// </summary>
public abstract class QuotaStoreFaultTests(ProxyFixture fixture)
{
    [Fact]
    public async Task TableServiceStopped_FailOpenAdmitsAndReports_FailClosedRefuses_AndCountingResumesWhenItIsBack()
    {
        // A relay in front of the run's table service: switched off, connections are refused and reset, as when the service stops.
        await using var table = new SwitchableTcpRelay(new Uri($"http://127.0.0.1:{fixture.Azurite.TablePort}"));
        var storage = AzuriteProcess.ConnectionStringFor(table.BaseAddress.Port, fixture.Azurite.QueuePort);
        await using var open = await StartProxyAsync(storage, "Open");
        await using var closed = await StartProxyAsync(storage, "Closed");
        using var openClient = ClientWithNewKey(open);
        using var closedClient = ClientWithNewKey(closed);

        using (var counted = await openClient.GetAsync("/v1/echo"))
        {
            Assert.Equal(HttpStatusCode.OK, counted.StatusCode);
            Assert.Equal("999", Assert.Single(counted.Headers.GetValues("X-RateLimit-Remaining")));
        }

        table.Down();

        for (var i = 0; i < 10; i++)
        {
            using var admitted = await openClient.GetAsync("/v1/echo");
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
            Assert.False(admitted.Headers.Contains("X-RateLimit-Remaining"), "an uncounted request claims no count");

            using var refused = await closedClient.GetAsync("/v1/echo");
            await ErrorBodyAssert.MatchesAsync(refused, 503, "/v1/echo", "Service unavailable");
        }

        await LogLines.WaitForAsync(open, "Failure quota_store_unavailable (200) from proxy");

        await table.UpAsync();
        await WaitUntilCountedAsync(openClient, TimeSpan.FromSeconds(30));
    }

    private static Task WaitUntilCountedAsync(HttpClient client, TimeSpan timeout) => Eventually.TrueAsync(async () =>
    {
        using var response = await client.GetAsync("/v1/echo");
        return response.Headers.Contains("X-RateLimit-Remaining");
    }, timeout, "counting resumes once the table service is back");

    private Task<ProxyProcess> StartProxyAsync(string storage, string failureMode) =>
        fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("AzureWebJobsStorage", storage),
            ("Proxy__Quota__FreeRequestsPerHour", "1000"),
            ("Proxy__Quota__FailureMode", failureMode),
            ("Proxy__Quota__ProbeInterval", "00:00:00.250"));

    private static HttpClient ClientWithNewKey(ProxyProcess proxy)
    {
        var client = ProxyFixture.ClientFor(proxy, withKey: false);
        client.DefaultRequestHeaders.Authorization = new("Bearer", "sk-fault-" + Guid.NewGuid().ToString("N"));
        return client;
    }
}

public sealed class QuotaStoreFaultTestsInProcess(InProcessFixture fixture) : QuotaStoreFaultTests(fixture), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class QuotaStoreFaultTestsOnFunctionsHost(FunctionsHostFixture fixture) : QuotaStoreFaultTests(fixture);
