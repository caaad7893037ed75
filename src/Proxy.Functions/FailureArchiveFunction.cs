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
    // The worker, not the host, resolves the queue name (FailureQueueBindingMetadataProvider), with its default.
    [Function("FailureArchive")]
    public Task RunAsync([QueueTrigger(FailureQueueBindingMetadataProvider.QueueNamePlaceholder, Connection = "AzureWebJobsStorage")] string message, CancellationToken cancellationToken) =>
        archive.ArchiveAsync(message, cancellationToken);
}
