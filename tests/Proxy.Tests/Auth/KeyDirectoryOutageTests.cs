using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Proxy.Auth;
using Proxy.Storage;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Auth;

/// <summary>
/// A read of the keys table that fails keeps the last good copy serving, and says so once per outage, not once per read;
/// when the store answers again, the next read brings the changes made meanwhile. Only a read a request waited on opens
/// the circuit.
/// </summary>
public sealed class KeyDirectoryOutageTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    [Fact]
    public async Task StoreDown_TheLastCopyServes_OneWarningAnOutage_ThenTheNextReadBringsTheChanges()
    {
        await using var relay = new SwitchableTcpRelay(new Uri($"http://127.0.0.1:{fixture.Azurite.TablePort}"));
        var tableName = "keys" + Guid.NewGuid().ToString("N");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new RecordingLoggerProvider();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = AzuriteProcess.ConnectionStringFor(relay.BaseAddress.Port),
            ["Proxy:Auth:KeysTableName"] = tableName,

            // The clock moves a second at a time below; the circuit's probe of a slow Azurite must not time out on it.
            ["Proxy:Quota:StoreTimeout"] = "00:00:30",
        }).Build();
        var services = new ServiceCollection().AddLogging(logging => logging.AddProvider(logs));
        services.AddProxy(configuration);
        services.AddSingleton<TimeProvider>(time);
        await using var provider = services.BuildServiceProvider();
        var directory = provider.GetRequiredService<KeyDirectory>();
        var circuit = provider.GetRequiredService<TableStoreCircuit>();
        var table = new TableClient(fixture.Azurite.ConnectionString, tableName);
        await table.CreateAsync();
        var before = new KeyRecord(new string('a', 64), "before", "free", null, false, time.GetUtcNow());
        var meanwhile = before with { KeyId = new string('b', 64), Name = "meanwhile" };
        await table.AddEntityAsync(KeyEntity.From(before));
        int Logged(int eventId) => logs.Events.Count(e => e.EventId == eventId);

        // No copy yet, and a request waits on the read: it opens the circuit.
        relay.Down();
        Assert.False((await directory.FindAsync(before.KeyId)).Available);
        Assert.True(circuit.IsOpen);
        Assert.Contains(logs.Events, e => e.EventId == 3002 && e.Text == $"Table {tableName} could not be read (connection refused); requests are served from no copy yet until a read succeeds");

        await relay.UpAsync();
        await Eventually.TrueAsync(() =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return Task.FromResult(!circuit.IsOpen);
        }, TimeSpan.FromSeconds(30), "the circuit's probe finds the store back");
        await directory.RefreshAsync();
        Assert.Equal("before", (await directory.FindAsync(before.KeyId)).Record?.Name);
        Assert.Equal(1, Logged(3003));

        // Background reads that fail: the copy serves, the circuit stays closed, one warning for the outage.
        relay.Down();
        await directory.RefreshAsync();
        await directory.RefreshAsync();
        Assert.False(circuit.IsOpen);
        Assert.Equal("before", (await directory.FindAsync(before.KeyId)).Record?.Name);
        Assert.Equal(2, Logged(3002));
        Assert.Contains("requests are served from the copy read at ", logs.Events.Last(e => e.EventId == 3002).Text, StringComparison.Ordinal);

        await table.AddEntityAsync(KeyEntity.From(meanwhile));
        await relay.UpAsync();
        await directory.RefreshAsync();

        Assert.Equal("meanwhile", (await directory.FindAsync(meanwhile.KeyId)).Record?.Name);
        Assert.Equal(2, Logged(3003));
        Assert.Equal(2, Logged(3002));
    }
}
