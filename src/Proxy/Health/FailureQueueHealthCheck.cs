using Azure.Storage.Queues;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Proxy.Failures;
using Proxy.Storage;

namespace Proxy.Health;

/// <summary>
/// The failure queue, asked by a cached probe. Down, it is <c>Degraded</c>: responses are unaffected, and records wait
/// in memory until it is back (see <see cref="FailureReporter"/>). The sender's own retries are not read instead: it
/// only learns of the queue when it has a record to send, and an idle proxy has none.
/// </summary>
internal sealed class FailureQueueHealthCheck : IHealthCheck
{
    private readonly QueueClient _queue;
    private readonly CachedProbe _probe;
    private readonly TimeProvider _timeProvider;

    public FailureQueueHealthCheck(QueueServiceClient queueService, IOptions<FailureOptions> failures, IOptions<HealthOptions> options, TimeProvider timeProvider)
    {
        _queue = queueService.GetQueueClient(failures.Value.QueueName);
        _timeProvider = timeProvider;
        _probe = new CachedProbe(ProbeAsync, options.Value, timeProvider);
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var cause = await _probe.GetAsync().WaitAsync(cancellationToken);
        return cause is null
            ? HealthCheckResult.Healthy("answers")
            : HealthCheckResult.Degraded($"does not answer ({cause}); failure records wait in memory until it is back");
    }

    /// <summary>The queue's properties; a queue that does not exist yet answers too (the first record creates it).</summary>
    private Task<string?> ProbeAsync(TimeSpan timeout) =>
        StorageProbe.AnswerAsync(cancellationToken => _queue.GetPropertiesAsync(cancellationToken), timeout, _timeProvider);
}
