using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Auth;
using Proxy.Quota;
using Proxy.Storage;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Storage;

/// <summary>
/// A store that has never answered is an error an operator sees at once, and sees again once a minute for as long as it
/// lasts, however often it is probed: one line, not one per probe.
/// </summary>
public sealed class TableStoreCircuitTests
{
    [Fact]
    public async Task StoreNeverAnswered_OneErrorLineAtTheFirstProbe_AndTheNextAMinuteLater_HoweverManyProbes()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new RecordingLoggerProvider();
        using var loggers = LoggerFactory.Create(logging => logging.AddProvider(logs));
        var circuit = new TableStoreCircuit(
            new TableServiceClient(AzuriteProcess.ConnectionStringFor(LoopbackPort.Unused()), new TableClientOptions { Retry = { MaxRetries = 0 } }),
            Options.Create(new QuotaOptions()),
            Options.Create(new AuthOptions()), clock, loggers.CreateLogger<TableStoreCircuit>());
        int Lines() => logs.Events.Count(logged => logged.EventId == 2002);

        Assert.Equal("connection refused", await circuit.ProbeAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, Lines());

        // Ten probes a second, for the rest of the minute.
        for (var probe = 1; probe < 600; probe++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await circuit.ProbeAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(1, Lines());

        clock.Advance(TimeSpan.FromMilliseconds(100));
        await circuit.ProbeAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, Lines());
        Assert.False(circuit.HasAnswered);
    }
}
