using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Proxy.Health;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Health;

/// <summary>
/// Anyone may call /health without a key, so a client calling it in a loop must not call storage in a loop: each
/// dependency is probed at most once per <c>Proxy__Health__CacheDuration</c>, however many health requests come.
/// Counted on real storage clients against a real Azurite, through the handler both hosts call.
/// </summary>
public sealed class HealthProbeCachingTests
{
    private const int Requests = 200;

    [Fact]
    public async Task ManyConcurrentHealthRequests_OneStorageCallPerDependencyPerInterval()
    {
        var azurite = await SharedAzurite.GetAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var counter = new TransactionCounter();
        await using var services = HandlerHarness.BuildServices(replace: services =>
        {
            var tables = new TableClientOptions();
            tables.AddPolicy(counter, HttpPipelinePosition.PerRetry);
            var queues = new QueueClientOptions();
            queues.AddPolicy(counter, HttpPipelinePosition.PerRetry);
            services.AddSingleton(new TableServiceClient(azurite.ConnectionString, tables));
            services.AddSingleton(new QueueServiceClient(azurite.ConnectionString, queues));
            services.Configure<HealthOptions>(options => options.CacheDuration = TimeSpan.FromSeconds(3));
            services.AddSingleton<TimeProvider>(clock);
        });
        var handler = services.GetRequiredService<ProxyRequestHandler>();

        await AssertAllHealthyAsync(handler);
        Assert.Equal(2, counter.Count);

        await AssertAllHealthyAsync(handler);
        Assert.Equal(2, counter.Count);

        clock.Advance(TimeSpan.FromSeconds(2.9));
        await AssertAllHealthyAsync(handler);
        Assert.Equal(2, counter.Count);

        clock.Advance(TimeSpan.FromSeconds(0.1));
        await AssertAllHealthyAsync(handler);
        Assert.Equal(4, counter.Count);
    }

    private static async Task AssertAllHealthyAsync(ProxyRequestHandler handler)
    {
        var contexts = Enumerable.Range(0, Requests).Select(_ => HandlerHarness.NewContext("GET", "/health", apiKey: null)).ToList();
        await Task.WhenAll(contexts.Select(handler.HandleAsync));
        Assert.All(contexts, context =>
        {
            Assert.Equal(200, context.Response.StatusCode);
            Assert.Equal("Healthy", HandlerHarness.ReadJsonBody(context).GetProperty("status").GetString());
        });
    }
}
