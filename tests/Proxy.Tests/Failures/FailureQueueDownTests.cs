using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Failures;

/// <summary>
/// A queue that is down fails no response and loses no record of a keyed failure while the process lives: the records
/// wait in the buffer and go out once it is back. (How fast the answers are meanwhile: <see cref="FailureQueueOutageTests"/>.)
/// </summary>
public sealed class FailureQueueDownTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    private const int Failures = 200;

    [Fact]
    public async Task QueueDown_EveryFailingRequestIsAnswered_AndEveryRecordArrivesOnceItIsBack()
    {
        var queueName = "outage-" + Guid.NewGuid().ToString("N")[..8];
        await using var queue = new SwitchableTcpRelay(new Uri($"http://127.0.0.1:{fixture.Azurite.QueuePort}"));
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("AzureWebJobsStorage", AzuriteProcess.ConnectionStringFor(fixture.Azurite.TablePort, queue.BaseAddress.Port)),
            ("Proxy__Failures__QueueName", queueName),

            // Every one of these same failures of one key a record of its own: what is pinned is the buffer (beyond this
            // setting they would be counted instead: KeyedFailureFloodTests).
            ("Proxy__Failures__KeyedRecordsPerInterval", Failures.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var client = ProxyFixture.ClientFor(proxy);

        queue.Down();
        var requestIds = new List<string>();
        for (var i = 0; i < Failures; i++)
        {
            // Keyed requests the upstream answers with a 500: failures whose records the buffer keeps.
            using var response = await client.GetAsync("/v1/errors/text/500");
            Assert.Equal(500, (int)response.StatusCode);
            requestIds.Add(Assert.Single(response.Headers.GetValues("x-request-id")));
        }

        await queue.UpAsync();

        using var reader = new FailureQueueReader(fixture.Azurite.ConnectionString, queueName);
        await reader.WaitForAllAsync(requestIds, TimeSpan.FromSeconds(90));
        Assert.All(requestIds, id => Assert.Single(reader.RecordsFor(id)));
    }
}
