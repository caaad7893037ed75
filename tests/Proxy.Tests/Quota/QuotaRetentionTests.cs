using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Proxy.Quota;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Quota;

/// <summary>Counter storage stays bounded: whole day tables past the retention period are dropped, nothing else.</summary>
public sealed class QuotaRetentionTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    [Fact]
    public async Task PurgeExpiredAsync_DropsDayTablesOlderThanTheRetentionPeriodOnly()
    {
        var prefix = "ret" + Guid.NewGuid().ToString("N")[..8];
        var service = new TableServiceClient(fixture.Azurite.ConnectionString);
        string[] days = ["20310501", "20310502", "20310503", "20310504"];
        foreach (var day in days)
        {
            await service.CreateTableIfNotExistsAsync(prefix + day);
        }

        await service.CreateTableIfNotExistsAsync(prefix + "notes");
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, new FakeTimeProvider(new DateTimeOffset(2031, 5, 4, 0, 30, 0, TimeSpan.Zero)),
            new Dictionary<string, string?> { ["Proxy:Quota:TablePrefix"] = prefix, ["Proxy:Quota:RetentionDays"] = "2" });

        var dropped = await harness.Get<QuotaRetention>().PurgeExpiredAsync();

        Assert.Equal([prefix + "20310501", prefix + "20310502"], dropped.Order());
        var left = new List<string>();
        await foreach (var table in service.QueryAsync(TableClient.CreateQueryFilter($"TableName ge {prefix} and TableName lt {prefix + "~"}")))
        {
            left.Add(table.Name);
        }

        Assert.Equal([prefix + "20310503", prefix + "20310504", prefix + "notes"], left.Order());
    }
}
