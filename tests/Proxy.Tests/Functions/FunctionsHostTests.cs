using System.Net;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Functions;

/// <summary>
/// What only the Functions app under the Functions host does: its triggers' bindings, what the host does to a request
/// before the worker sees it, and what the host answers by itself. Each was found broken under <c>func start</c>.
/// </summary>
[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class FunctionsHostTests(FunctionsHostFixture fixture)
{
    [Fact]
    public async Task ArchiveTrigger_WithTheQueueNameSettingUnset_ArchivesFromTheDocumentedDefaultQueue()
    {
        var azurite = fixture.Azurite;
        var tableName = "failures" + Guid.NewGuid().ToString("N")[..8];
        var settings = fixture.SettingsFor(fixture.Upstream.BaseAddress, ("AzureWebJobsStorage", azurite.ConnectionString), ("Proxy__Failures__TableName", tableName), ("Proxy__Failures__ArchiveInProcess", "true"));
        settings.Remove("Proxy__Failures__QueueName");
        await using var proxy = await FunctionsHostProcess.StartAsync(settings);
        using var client = ProxyFixture.ClientFor(proxy);

        using var response = await client.GetAsync("/outside/the/prefixes");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var requestId = response.Headers.GetValues("x-request-id").Single();
        await Eventually.TrueAsync(async () => await ArchivedRows.CountAsync(new TableClient(azurite.ConnectionString, tableName), requestId) == 1,
            TimeSpan.FromSeconds(30), "the failure is archived from the default queue proxy-failures");
        Assert.DoesNotContain(proxy.Output, line => line.Contains("does not resolve to a value", StringComparison.Ordinal));
        Assert.DoesNotContain(proxy.Output, line => line.Contains("failed indexing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FailureQueue_ExistsFromStartUp_SoTheTriggerNeverPollsAMissingQueue()
    {
        var queueName = "startup-" + Guid.NewGuid().ToString("N");
        await using var proxy = await FunctionsHostProcess.StartAsync(fixture.SettingsFor(fixture.Upstream.BaseAddress, ("AzureWebJobsStorage", fixture.Azurite.ConnectionString), ("Proxy__Failures__QueueName", queueName)));

        var queue = new QueueClient(fixture.Azurite.ConnectionString, queueName);
        await Eventually.TrueAsync(async () => (await queue.ExistsAsync()).Value, TimeSpan.FromSeconds(60), "the failure queue exists before any failure");
    }

    [Fact]
    public async Task BrokenOffStream_LeavesNoStackTraceInTheHostLog()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        var before = fixture.Proxy.Output.Count;

        // The upstream sends one event and then nothing: the proxy breaks the stream off at its upstream timeout.
        using var response = await client.GetAsync("/v1/held-stream", HttpCompletionOption.ResponseHeadersRead);
        await Assert.ThrowsAnyAsync<Exception>(() => ResponseDrain.CountBytesAsync(response));
        await fixture.Failures.WaitForAsync(Assert.Single(response.Headers.GetValues("x-request-id")));

        var lines = fixture.Proxy.Output.Skip(before).ToList();
        Assert.DoesNotContain(lines, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains("Exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ChunkedBodyOverTheDefaultLimit_GetsTheProxysDocumented413()
    {
        var settings = fixture.SettingsFor(fixture.Upstream.BaseAddress);
        settings.Remove("Proxy__Forwarding__MaxRequestBodySize");
        await using var proxy = await FunctionsHostProcess.StartAsync(settings);
        using var client = ProxyFixture.ClientFor(proxy);

        // The host's own limit is 100 MiB; the proxy's default under it is 1 MiB less, so a body between the two is the
        // proxy's to refuse (with both limits at 100 MiB, as before, it was forwarded).
        using var response = await client.PostAsync("/v1/upload", new GeneratedContent((100L * 1024 * 1024) - (512 * 1024), declareLength: false));

        await ErrorBodyAssert.MatchesAsync(response, 413, "/v1/upload", "Payload Too Large: ");
    }

    [Fact]
    public async Task DeclaredBodyOverTheHostsOwnLimit_IsAnsweredByTheHostItself()
    {
        // What docs/running.md, "Running under the Functions host", says: the host refuses such a body before the app runs.
        var response = await RawHttp.SendAsync(fixture.Proxy.Port,
            $"POST /v1/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ProxyFixture.ClientKey}\r\n" +
            $"Content-Length: {100L * 1024 * 1024 + 1}\r\nConnection: close\r\n");

        Assert.Equal(500, response.StatusCode);
        Assert.False(response.Headers.ContainsKey("x-request-id"));
    }

    [Theory]
    [InlineData("/admin/host/status")]
    [InlineData("/v1/../admin/host/status")]
    [InlineData("/v1/%2e%2e/admin/host/status")]
    [InlineData("/runtime/webhooks/queue")]
    public async Task PlatformRoutes_AreAnsweredByTheHostItselfWith401_AndNeverReachTheUpstream(string target)
    {
        var before = fixture.Upstream.Requests.Count;

        var response = await RawHttp.SendAsync(fixture.Proxy.Port,
            $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ProxyFixture.ClientKey}\r\nConnection: close\r\n");

        Assert.Equal(401, response.StatusCode);
        Assert.False(response.Headers.ContainsKey("x-request-id"));
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }
}
