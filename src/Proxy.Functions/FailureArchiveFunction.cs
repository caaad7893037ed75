using Microsoft.Azure.Functions.Worker;
using Proxy.Failures;

namespace Proxy.Functions;

/// <summary>
/// Archives each failure record from the queue into the failures table. A message that is not a record throws,
/// so the host retries it up to <c>maxDequeueCount</c> (host.json) and then moves it to the poison queue,
/// without holding up the rest.
/// </summary>
public sealed class FailureArchiveFunction(FailureArchive archive)
{
    // The colon form resolves the Proxy__Failures__QueueName app setting: binding expressions cannot name "__".
    [Function("FailureArchive")]
    public Task RunAsync([QueueTrigger("%Proxy:Failures:QueueName%", Connection = "AzureWebJobsStorage")] string message, CancellationToken cancellationToken) =>
        archive.ArchiveAsync(message, cancellationToken);
}
