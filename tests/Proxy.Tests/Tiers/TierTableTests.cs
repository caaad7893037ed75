using Microsoft.Extensions.Time.Testing;
using Proxy.Tests.Infrastructure;
using Proxy.Tiers;

namespace Proxy.Tests.Tiers;

/// <summary>
/// The settings are the defaults a fresh deployment starts from: the first reader of an empty tiers table fills it from its
/// own settings, and from then on every reader, whatever its settings, reads the table.
/// </summary>
public sealed class TierTableTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    private readonly string _tableName = "tiers" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task FirstRead_FillsTheTableFromItsSettings_LaterReadersWithOtherSettingsReadTheTable()
    {
        using var first = Harness(("Proxy:Quota:FreeRequestsPerHour", "3"), ("Proxy:Quota:Tiers:Gold:RequestsPerHour", "20"), ("Proxy:Quota:Tiers:staff:RequestsPerHour", ""));
        using var second = Harness(("Proxy:Quota:FreeRequestsPerHour", "10"), ("Proxy:Quota:Tiers:silver:RequestsPerHour", "50"));

        var filled = await first.Get<TierTable>().ReadAsync();
        var read = await second.Get<TierTable>().ReadAsync();

        Assert.Equal("free 3/h, gold 20/h, staff unlimited", TierLimits.Of(filled.Seeded).Description);
        Assert.Empty(read.Seeded);
        var limits = TierLimits.Of(read.Tiers);
        Assert.Equal("free 3/h, gold 20/h, staff unlimited", limits.Description);
        Assert.Equal(20, limits.LimitFor("GOLD"));
        Assert.Equal(3, limits.LimitFor("silver"));
    }

    [Fact]
    public async Task TierSetBeforeTheFirstRead_IsNotOverwrittenByTheSettings()
    {
        using var harness = Harness(("Proxy:Quota:FreeRequestsPerHour", "3"), ("Proxy:Quota:Tiers:gold:RequestsPerHour", "20"));
        var table = harness.Get<TierTable>();
        await table.SetAsync(new TierRecord("gold", 99));

        var read = await table.ReadAsync();

        Assert.Equal("free 3/h", TierLimits.Of(read.Seeded).Description);
        Assert.Equal("free 3/h, gold 99/h", TierLimits.Of(read.Tiers).Description);
    }

    private QuotaHarness Harness(params (string Name, string Value)[] settings) =>
        new(fixture.Azurite.ConnectionString, new FakeTimeProvider(DateTimeOffset.UtcNow),
            settings.Append(("Proxy:Tiers:TableName", _tableName)).ToDictionary(setting => setting.Item1, setting => (string?)setting.Item2));
}
