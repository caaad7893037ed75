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
/// when the store answers again, the next read brings the changes made meanwhile.
/// </summary>
[Collection(OnStandaloneHost.Name)]
public sealed class KeyDirectoryOutageTests(StandaloneHostFixture fixture)
{
    [Fact]
    public async Task StoreDown_TheLastCopyServes_OneWarning_ThenTheNextReadBringsTheChanges()
    {
        await using var relay = new SwitchableTcpRelay(new Uri($"http://127.0.0.1:{fixture.Azurite.TablePort}"));
        var tableName = "keys" + Guid.NewGuid().ToString("N");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new RecordingLoggerProvider();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = AzuriteProcess.ConnectionStringFor(relay.BaseAddress.Port),
            ["Proxy:Auth:KeysTableName"] = tableName,
        }).Build();
        var services = new ServiceCollection().AddLogging(logging => logging.AddProvider(logs));
        services.AddProxy(configuration);
        services.AddSingleton<TimeProvider>(time);
        await using var provider = services.BuildServiceProvider();
        var keys = provider.GetRequiredService<KeyTable>();
        var directory = provider.GetRequiredService<KeyDirectory>();
        var circuit = provider.GetRequiredService<TableStoreCircuit>();
        var before = new KeyRecord(new string('a', 64), "before", "free", null, false, time.GetUtcNow());
        var meanwhile = before with { KeyId = new string('b', 64), Name = "meanwhile" };
        await keys.AddAsync(before);
        await directory.RefreshAsync();

        relay.Down();
        await directory.RefreshAsync();
        await directory.RefreshAsync();
        Assert.True(circuit.IsOpen);
        Assert.True((await directory.FindAsync(before.KeyId)).Record is not null);
        var warning = Assert.Single(logs.Events, e => e.EventId == 3002);
        Assert.Contains($"Table {tableName} could not be read (no connection); requests are served from the copy read at", warning.Text, StringComparison.Ordinal);

        await new TableClient(fixture.Azurite.ConnectionString, tableName).AddEntityAsync(KeyEntity.From(meanwhile));
        await relay.UpAsync();
        await Eventually.TrueAsync(() =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return Task.FromResult(!circuit.IsOpen);
        }, TimeSpan.FromSeconds(30), "the circuit's probe finds the store back");
        await directory.RefreshAsync();

        Assert.Equal("meanwhile", (await directory.FindAsync(meanwhile.KeyId)).Record?.Name);
        Assert.Contains(logs.Events, e => e.EventId == 3003 && e.Text == $"Table {tableName} is read again; changes made meanwhile apply now");
        Assert.Single(logs.Events, e => e.EventId == 3002);
    }
}
