using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Proxy.Failures;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Failures;

/// <summary>The sender against a real queue (Azurite): a record the queue cannot take is dropped and counted, and the rest go on.</summary>
public sealed class FailureQueueSenderTests
{
    private static FailureRecord Record(string requestId, string message) => new()
    {
        RequestId = requestId,
        Timestamp = "2026-12-01T23:00:00.000Z",
        Method = "GET",
        Path = "/v1/models",
        StatusCode = 500,
        Kind = "upstream_error",
        Source = "upstream",
        Message = message,
        KeyId = "0123456789ab",
    };

    [Fact]
    public async Task RecordOverTheQueuesLimit_IsDroppedCountedAndLoggedOnceAndTheRecordsBehindItAreSent()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        var queueName = "sender-" + Guid.NewGuid().ToString("N")[..8];
        var logs = new RecordingLoggerProvider();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Proxy:Failures:QueueName"] = queueName,
        }).Build();
        var services = new ServiceCollection().AddLogging(logging => logging.AddProvider(logs));
        services.AddProxy(configuration);
        await using var provider = services.BuildServiceProvider();
        var senders = provider.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
        foreach (var sender in senders)
        {
            await sender.StartAsync(CancellationToken.None);
        }

        // Past the bounds on purpose: only a record that skipped FailureRecordFactory can be this large.
        var reporter = provider.GetRequiredService<FailureReporter>();
        reporter.Report(Record("oversized-1", new string('\'', 60_000)));
        reporter.Report(Record("oversized-2", new string('\'', 60_000)));
        reporter.Report(Record("behind", "an ordinary message"));

        using var reader = new FailureQueueReader(azurite.ConnectionString, queueName);
        await reader.WaitForAsync("behind");
        Assert.Empty(reader.RecordsFor("oversized-1"));
        Assert.Empty(reader.RecordsFor("oversized-2"));
        var refusals = logs.Events.Where(logged => logged.EventId == 4005).Select(logged => logged.Text).ToList();
        Assert.EndsWith("1 records refused so far", Assert.Single(refusals), StringComparison.Ordinal);
        foreach (var sender in senders)
        {
            await sender.StopAsync(CancellationToken.None);
        }
    }
}
