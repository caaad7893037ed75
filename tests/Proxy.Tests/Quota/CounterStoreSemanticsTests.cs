using Azure;
using Azure.Data.Tables;
using Proxy.Quota;
using Proxy.Tests.Infrastructure;
using Proxy.Tests.Quota.Simulation;

namespace Proxy.Tests.Quota;

/// <summary>
/// The counter rows behave the same in the simulated table the protocol is proven against and in Table storage (Azurite,
/// through <see cref="TableCounterStore"/>): inserts and merges keep or lose their conditions alike, an entity-group
/// transaction applies all or none and names the write that lost, and a row keeps each writer's own sequence number.
/// </summary>
public sealed class CounterStoreSemanticsTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    public static TheoryData<string> Stores => ["azurite", "simulated"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Insert_LandsOnAnAbsentRow_AndLosesItsConditionOnAPresentOne(string kind)
    {
        var (store, address) = await StoreAsync(kind);

        var inserted = await WriteAsync(store, address, new CounterUnits(1, 10), "a", 1, ifMatch: null);
        var again = await WriteAsync(store, address, new CounterUnits(5, 50), "b", 1, ifMatch: null);

        Assert.Equal(CounterWriteStatus.Written, inserted.Status);
        Assert.Equal(CounterWriteStatus.ConditionLost, again.Status);
        var row = await store.ReadAsync(address, "a", CancellationToken.None);
        Assert.Equal(new CounterUnits(1, 10), row?.Counts);
        Assert.Equal(1, row?.Sequence);
        Assert.Equal(inserted.ETag, row?.ETag);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Merge_LandsOnTheETagItWasSentOn_AndKeepsEveryOtherWritersNumber(string kind)
    {
        var (store, address) = await StoreAsync(kind);
        var first = await WriteAsync(store, address, new CounterUnits(1, 0), "a", 7, ifMatch: null);

        var second = await WriteAsync(store, address, new CounterUnits(2, 0), "b", 3, first.ETag);
        var stale = await WriteAsync(store, address, new CounterUnits(9, 0), "a", 8, first.ETag);

        Assert.Equal(CounterWriteStatus.Written, second.Status);
        Assert.Equal(CounterWriteStatus.ConditionLost, stale.Status);
        Assert.Equal((new CounterUnits(2, 0), 7L), ((await store.ReadAsync(address, "a", CancellationToken.None))?.Counts, (await store.ReadAsync(address, "a", CancellationToken.None))?.Sequence));
        Assert.Equal(3, (await store.ReadAsync(address, "b", CancellationToken.None))?.Sequence);
        Assert.Equal(0, (await store.ReadAsync(address, "c", CancellationToken.None))?.Sequence);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Transaction_AppliesAllOrNone_AndNamesTheWriteThatLostItsCondition(string kind)
    {
        var (store, address) = await StoreAsync(kind);
        var present = await WriteAsync(store, address with { Row = "present" }, new CounterUnits(1, 0), "a", 1, ifMatch: null);
        CounterWrite[] writes =
        [
            new("new-1", new CounterUnits(1, 0), "a", 2, null),
            new("present", new CounterUnits(2, 0), "a", 3, null),
            new("new-2", new CounterUnits(1, 0), "a", 4, null),
        ];

        var refused = await store.SubmitAsync(address.Table, address.Partition, writes, CancellationToken.None);
        var applied = await store.SubmitAsync(address.Table, address.Partition, [writes[0], writes[1] with { IfMatch = present.ETag }, writes[2]], CancellationToken.None);

        Assert.Equal([CounterWriteStatus.NotApplied, CounterWriteStatus.ConditionLost, CounterWriteStatus.NotApplied], refused.Select(result => result.Status));
        Assert.All(applied, result => Assert.Equal(CounterWriteStatus.Written, result.Status));
        Assert.Equal(2, (await store.ReadAsync(address with { Row = "present" }, "a", CancellationToken.None))?.Counts.Requests);
        Assert.Equal(4, (await store.ReadAsync(address with { Row = "new-2" }, "a", CancellationToken.None))?.Sequence);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Read_OfAnAbsentRow_IsNull(string kind)
    {
        var (store, address) = await StoreAsync(kind);

        Assert.Null(await store.ReadAsync(address, "a", CancellationToken.None));
    }

    private async Task<(ICounterStore Store, CounterRowAddress Address)> StoreAsync(string kind)
    {
        // A table of its own, which the first write creates (Azurite), and a partition as an hour's would be named.
        var address = new CounterRowAddress("semantics" + Guid.NewGuid().ToString("N")[..12], "2026120610-a", "row");
        if (kind == "simulated")
        {
            return (new TableOf(new SimulatedTable(new SimulatedTime(DateTimeOffset.UnixEpoch))), address);
        }

        await new TableServiceClient(fixture.Azurite.ConnectionString).CreateTableIfNotExistsAsync(address.Table);
        return (new TableCounterStore(new TableServiceClient(fixture.Azurite.ConnectionString)), address);
    }

    private static async Task<CounterWriteResult> WriteAsync(ICounterStore store, CounterRowAddress address, CounterUnits counts, string writer, long sequence, ETag? ifMatch) =>
        (await store.SubmitAsync(address.Table, address.Partition, [new CounterWrite(address.Row, counts, writer, sequence, ifMatch)], CancellationToken.None))[0];

    /// <summary>The simulated table as a store that answers at once and never fails.</summary>
    private sealed class TableOf(SimulatedTable table) : ICounterStore
    {
        public Task<StoredCounter?> ReadAsync(CounterRowAddress address, string writer, CancellationToken cancellationToken) =>
            Task.FromResult(table.Read(address, writer));

        public Task<CounterWriteResult[]> SubmitAsync(string tableName, string partition, IReadOnlyList<CounterWrite> writes, CancellationToken cancellationToken) =>
            Task.FromResult(table.Apply(tableName, partition, writes));

        public Task ProbeAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
