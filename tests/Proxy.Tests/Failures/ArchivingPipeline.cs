using Azure.Data.Tables;
using Azure.Storage.Queues;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Failures;

/// <summary>
/// A proxy of its own, archiving its own queue into its own table: a record that could stop a queue must not stop
/// the fixture's.
/// </summary>
internal sealed class ArchivingPipeline
{
    private readonly TableClient _table;
    private readonly QueueClient _poison;

    private ArchivingPipeline(ProxyProcess proxy, TableClient table, QueueClient poison) => (Proxy, _table, _poison) = (proxy, table, poison);

    public ProxyProcess Proxy { get; }

    public static async Task<ArchivingPipeline> StartAsync(ProxyFixture fixture)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var queueName = "oversized-" + suffix;
        var tableName = "oversized" + suffix;
        var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Failures__QueueName", queueName),
            ("Proxy__Failures__TableName", tableName),
            ("Proxy__Failures__ArchiveInProcess", "true"),
            ("Proxy__Failures__MaxDequeueCount", "2"),
            ("Proxy__Failures__ArchiveRetryDelay", "00:00:01"),
            ("Proxy__Failures__ArchivePollInterval", "00:00:00.200"));
        var poison = new QueueClient(fixture.Azurite.ConnectionString, queueName + "-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        return new ArchivingPipeline(proxy, new TableClient(fixture.Azurite.ConnectionString, tableName), poison);
    }

    /// <summary>Ordinary keyed upstream errors, sent after the oversized one: they must not wait behind it forever.</summary>
    public async Task<List<string>> SendKeyedErrorsAsync(int count)
    {
        using var client = ProxyFixture.ClientFor(Proxy);
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            using var response = await client.GetAsync("/v1/errors/openai/502");
            Assert.Equal(502, (int)response.StatusCode);
            ids.Add(Assert.Single(response.Headers.GetValues("x-request-id")));
        }

        return ids;
    }

    public async Task WaitForRowsAsync(IReadOnlyCollection<string> requestIds)
    {
        var missing = requestIds.ToList();
        await Eventually.TrueAsync(async () =>
        {
            foreach (var requestId in missing.ToList())
            {
                if (await ArchivedRows.CountAsync(_table, requestId) == 1)
                {
                    missing.Remove(requestId);
                }
            }

            return missing.Count == 0;
        }, TimeSpan.FromSeconds(30), $"all {requestIds.Count} records are archived");
    }

    public async Task<TableEntity> RowAsync(string requestId)
    {
        await foreach (var row in _table.QueryAsync<TableEntity>(entity => entity.RowKey == requestId))
        {
            return row;
        }

        throw new Xunit.Sdk.XunitException($"No archived row for {requestId}.");
    }

    public async Task<int> PoisonedCountAsync() =>
        (await _poison.ExistsAsync()).Value ? (await _poison.PeekMessagesAsync(maxMessages: 32)).Value.Length : 0;
}
