using System.Globalization;
using System.Net;
using Azure.Data.Tables;
using Proxy.Auth;
using Proxy.Quota;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Quota;

/// <summary>
/// While Table storage is down, each process goes on counting every key in memory: a key gets at most
/// its limit per process per hour. What was admitted uncounted is not the client's fault and never reaches the stored
/// count: once the store is back, the key has the rest of its hour.
/// </summary>
public abstract class QuotaOutageTests(ProxyFixture fixture, ITestOutputHelper output)
{
    private const int Limit = 3;
    private const string LimitMessage = "Free-tier limit: You've reached your free limit for the hour.";

    [Fact]
    public async Task StoreDown_EachProcessAdmitsAtMostTheLimitPerKey_AndTheUncountedAdmissionsCostTheHourNothing()
    {
        // A relay in front of the fixture's table service: switched off, connections are refused and reset, as in an outage;
        // switched on, the counters are still there (an in-memory Azurite restarted would have lost them).
        await using var table = new SwitchableTcpRelay(new Uri($"http://127.0.0.1:{fixture.Azurite.TablePort}"));
        var storage = AzuriteProcess.ConnectionStringFor(table.BaseAddress.Port, fixture.Azurite.QueuePort);
        await using var first = await StartProxyAsync(storage);
        await using var second = await StartProxyAsync(storage);
        var key = "sk-outage-" + Guid.NewGuid().ToString("N");
        var target = "/v1/echo?run=" + Guid.NewGuid().ToString("N");
        using var firstClient = ClientWithKey(first, key);
        using var secondClient = ClientWithKey(second, key);
        var window = QuotaWindow.Containing(DateTimeOffset.UtcNow);

        using (var counted = await firstClient.GetAsync(target))
        {
            Assert.Equal(HttpStatusCode.OK, counted.StatusCode);
            Assert.Equal("2", Assert.Single(counted.Headers.GetValues("X-RateLimit-Remaining")));
        }

        table.Down();

        // The first process knows of one counted request, so it admits two more; the second knows of none, so three.
        var firstStatuses = await SendAsync(firstClient, target, 5);
        var secondStatuses = await SendAsync(secondClient, target, 5);
        output.WriteLine($"during the outage: first process {string.Join(",", firstStatuses)}; second {string.Join(",", secondStatuses)}");
        Assert.Equal([200, 200, 429, 429, 429], firstStatuses);
        Assert.Equal([200, 200, 200, 429, 429], secondStatuses);
        Assert.Equal(1 + 2 + 3, fixture.Upstream.Requests.Count(request => request.Target == target));

        // Every request admitted uncounted still has its record (the Functions host relays the app's lines a little later).
        var keyPrefix = ApiKeyHash.Prefix(ApiKeyHash.Of(key));
        int UncountedLines() => first.Output.Concat(second.Output)
            .Count(line => line.Contains("Failure quota_store_unavailable (200)", StringComparison.Ordinal) && line.Contains("key " + keyPrefix, StringComparison.Ordinal));
        await Eventually.TrueAsync(() => Task.FromResult(UncountedLines() >= 5), TimeSpan.FromSeconds(10), "a record of each uncounted admission");
        Assert.Equal(5, UncountedLines());

        await table.UpAsync();
        await WaitUntilCountingAsync(first);
        await WaitUntilCountingAsync(second);

        // The one counted request is all the hour has used: two more are counted, over either process, then it is used up.
        var afterStatuses = new List<int>();
        foreach (var client in new[] { firstClient, secondClient, firstClient })
        {
            using var response = await client.GetAsync(target);
            afterStatuses.Add((int)response.StatusCode);
        }

        var stored = await new TableClient(fixture.Azurite.ConnectionString, window.TableName("quota"))
            .GetEntityAsync<TableEntity>(CounterRowAddress.PartitionKey(window, ApiKeyHash.Of(key)), ApiKeyHash.Of(key));
        output.WriteLine($"after the outage: {string.Join(",", afterStatuses)}; stored count: {stored.Value.GetInt64("Count")}");
        Assert.Equal([200, 200, 429], afterStatuses);
        Assert.Equal(Limit, stored.Value.GetInt64("Count"));
    }

    /// <summary>
    /// Until the process counts again: a request of a key it has never seen comes back with a stored count. (The circuit's
    /// own log line is not relayed by the Functions host, which shows only what the app logs inside an invocation.)
    /// </summary>
    private static async Task WaitUntilCountingAsync(ProxyProcess proxy) => await Eventually.TrueAsync(async () =>
    {
        using var client = ClientWithKey(proxy, "sk-probe-" + Guid.NewGuid().ToString("N"));
        using var response = await client.GetAsync("/v1/echo");
        return response.StatusCode == HttpStatusCode.OK && response.Headers.Contains("X-RateLimit-Remaining");
    }, TimeSpan.FromSeconds(15), "the process counts again");

    private static async Task<List<int>> SendAsync(HttpClient client, string target, int count)
    {
        var statuses = new List<int>();
        for (var i = 0; i < count; i++)
        {
            using var response = await client.GetAsync(target);
            statuses.Add((int)response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // A refusal the process decided from its own count is still a documented 429 with the count's headers.
                await ErrorBodyAssert.MatchesAsync(response, 429, "/v1/echo", LimitMessage);
                Assert.Equal("0", Assert.Single(response.Headers.GetValues("X-RateLimit-Remaining")));
                Assert.True(response.Headers.Contains("X-RateLimit-Reset"));
            }
            else
            {
                Assert.False(response.Headers.Contains("X-RateLimit-Remaining"), "an uncounted admission claims no stored count");
            }
        }

        return statuses;
    }

    private Task<ProxyProcess> StartProxyAsync(string storage) =>
        fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("AzureWebJobsStorage", storage),
            ("Proxy__Quota__FreeRequestsPerHour", Limit.ToString(CultureInfo.InvariantCulture)),
            ("Proxy__Quota__ProbeInterval", "00:00:00.250"));

    private static HttpClient ClientWithKey(ProxyProcess proxy, string key)
    {
        var client = ProxyFixture.ClientFor(proxy, withKey: false);
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }
}

public sealed class QuotaOutageTestsInProcess(InProcessFixture fixture, ITestOutputHelper output) : QuotaOutageTests(fixture, output), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class QuotaOutageTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : QuotaOutageTests(fixture, output);
