using System.Globalization;
using Azure.Data.Tables;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Quota;

/// <summary>
/// The retention job as each host runs it: the Functions app's hourly timer (run here through the host's admin API, as an
/// operator would), the standalone host's background service (at start, then hourly). It drops expired day tables only.
/// </summary>
public abstract class QuotaRetentionJobTests(ProxyFixture fixture)
{
    [Fact]
    public async Task RetentionJob_WhenItRuns_DropsDayTablesPastTheRetentionPeriodAndKeepsToday()
    {
        var prefix = "job" + Guid.NewGuid().ToString("N")[..8];
        var service = new TableServiceClient(fixture.Azurite.ConnectionString);
        var today = prefix + DateTime.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var expired = prefix + DateTime.UtcNow.AddDays(-30).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        await service.CreateTableIfNotExistsAsync(today);
        await service.CreateTableIfNotExistsAsync(expired);

        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Quota__TablePrefix", prefix), ("Proxy__Quota__RetentionDays", "2"));
        if (proxy is FunctionsHostProcess functions)
        {
            await functions.InvokeFunctionAsync("QuotaRetention");
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var left = await TablesAsync(service, prefix);
        while (left.Contains(expired) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            left = await TablesAsync(service, prefix);
        }

        Assert.Equal([today], left);
    }

    private static async Task<List<string>> TablesAsync(TableServiceClient service, string prefix)
    {
        var names = new List<string>();
        await foreach (var table in service.QueryAsync(TableClient.CreateQueryFilter($"TableName ge {prefix} and TableName lt {prefix + "~"}")))
        {
            names.Add(table.Name);
        }

        return names;
    }
}

public sealed class QuotaRetentionJobTestsInProcess(InProcessFixture fixture) : QuotaRetentionJobTests(fixture), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class QuotaRetentionJobTestsOnFunctionsHost(FunctionsHostFixture fixture) : QuotaRetentionJobTests(fixture);
