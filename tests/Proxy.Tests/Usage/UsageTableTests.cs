using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Tests.Infrastructure;
using Proxy.Usage;

namespace Proxy.Tests.Usage;

/// <summary>
/// The usage table's layout, as an operator querying it sees it: an hour's rows are spread over sixteen partitions by the
/// key id's first hex digit (<c>yyyyMMddHH-x</c>), so that no one partition takes every key's flush; readers still see one
/// hour per key, rows written before the split (partition = the hour alone) included.
/// </summary>
public sealed class UsageTableTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    private static readonly LatencySummary s_noLatency = new(0, 0, 0, new long[LatencySummary.BucketCount]);

    [Fact]
    public async Task AnHoursRows_AreSpreadByKeyDigit_AndReadAsOneHourPerKey_OldRowsIncluded()
    {
        var tableName = "usage" + Guid.NewGuid().ToString("N");
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, new FakeTimeProvider(DateTimeOffset.UtcNow));
        var service = harness.Get<TableServiceClient>();
        var usage = new UsageTable(service, Options.Create(new UsageOptions { TableName = tableName }));
        var hour = new DateTimeOffset(DateTimeOffset.UtcNow.UtcDateTime.Date, TimeSpan.Zero).AddHours(DateTimeOffset.UtcNow.Hour);
        string[] keys = ["0" + new string('1', 63), "a" + new string('2', 63), "F" + new string('3', 63)];

        await usage.WriteAsync([.. keys.Select(key => UsageEntity.From(Hour(key, hour, requests: 3), "instance-a"))], CancellationToken.None);
        var table = service.GetTableClient(tableName);
        var old = UsageEntity.From(Hour(keys[0], hour, requests: 4), "instance-old");
        old.PartitionKey = UsageEntity.HourOf(hour);
        await table.AddEntityAsync(old);

        var partitions = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            partitions.Add(row.PartitionKey);
        }

        var prefix = old.PartitionKey;
        Assert.Equal([prefix, prefix + "-0", prefix + "-a", prefix + "-f"], partitions.Order(StringComparer.Ordinal));
        var read = await usage.ReadAsync(hour, hour, null, CancellationToken.None);
        Assert.Equal(keys.Order(StringComparer.Ordinal), read.Select(row => row.KeyId));
        Assert.All(read, row => Assert.Equal(hour, row.Hour));
        Assert.Equal([7L, 3L, 3L], read.Select(row => row.Requests));
    }

    private static UsageHour Hour(string keyId, DateTimeOffset hour, long requests) =>
        new(keyId, hour, requests, requests, 0, 0, 0, 0, 0, 0, 0, 0, s_noLatency);
}
