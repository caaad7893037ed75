using System.Diagnostics;
using Azure.Data.Tables;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Functions;

/// <summary>The Functions app under the Functions host through a storage outage: what it buffered is archived once storage is back.</summary>
[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class FunctionsHostOutageTests(FunctionsHostFixture fixture, ITestOutputHelper output)
{
    /// <summary>
    /// A short outage (12 s from the stop, however long the requests made during it take on a loaded machine; well
    /// under what the host's storage client spends retrying a refused connection, about 25 s):
    /// the records the worker buffered go out and the trigger archives them. A longer one with refused connections makes
    /// the host shut itself down (docs/running.md, "Running under the Functions host").
    /// </summary>
    [Fact]
    public async Task ArchivingAfterAShortStorageOutage_CatchesUpWithinSeconds()
    {
        const int failures = 20;
        await using var blobs = await AzuriteProcess.StartAsync();
        await using var tables = await PersistentAzuriteService.StartTableAsync();
        await using var queues = await PersistentAzuriteService.StartQueueAsync();
        var storage = AzuriteProcess.ConnectionStringFor(tables.Port, queues.Port, blobs.BlobPort);
        var tableName = "failures" + Guid.NewGuid().ToString("N")[..8];
        await using var proxy = await FunctionsHostProcess.StartAsync(fixture.SettingsFor(fixture.Upstream.BaseAddress, ("AzureWebJobsStorage", storage), ("Proxy__Failures__TableName", tableName), ("Proxy__Failures__ArchiveInProcess", "true")));
        using var client = ProxyFixture.ClientFor(proxy);

        await queues.StopAsync();
        await tables.StopAsync();
        var down = Stopwatch.StartNew();
        var requestIds = new List<string>();
        for (var i = 0; i < failures; i++)
        {
            using var response = await client.GetAsync("/during/the/outage");
            requestIds.Add(response.Headers.GetValues("x-request-id").Single());
        }

        if (TimeSpan.FromSeconds(12) - down.Elapsed is { TotalMilliseconds: > 0 } rest)
        {
            await Task.Delay(rest);
        }

        await tables.StartAsync();
        await queues.StartAsync();
        var back = Stopwatch.StartNew();

        var table = new TableClient(storage, tableName);
        var archived = 0;
        await Eventually.TrueAsync(async () => (archived = await CountArchivedAsync(table, requestIds)) == failures, TimeSpan.FromSeconds(30),
            $"all {failures} records made during the outage are archived");
        output.WriteLine($"{archived} of {failures} records archived {back.ElapsedMilliseconds} ms after storage came back");
    }

    private static async Task<int> CountArchivedAsync(TableClient table, IEnumerable<string> requestIds)
    {
        var count = 0;
        foreach (var requestId in requestIds)
        {
            count += await ArchivedRows.CountAsync(table, requestId);
        }

        return count;
    }
}
