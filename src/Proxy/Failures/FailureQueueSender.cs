using System.Net;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Proxy.Failures;

/// <summary>
/// Empties the <see cref="FailureReporter"/>'s buffer onto the failure queue, off the request path: in batches,
/// retrying with backoff for as long as the queue is down (records wait in the buffer meanwhile), and draining
/// what is left when the host shuts down.
/// </summary>
internal sealed class FailureQueueSender(
    FailureReporter reporter, QueueServiceClient queueService, IOptions<FailureOptions> options, TimeProvider timeProvider,
    ILogger<FailureQueueSender> logger) : BackgroundService
{
    private static readonly TimeSpan s_firstRetryDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan s_longestRetryDelay = TimeSpan.FromSeconds(5);

    private readonly FailureOptions _options = options.Value;
    private readonly QueueClient _queue = queueService.GetQueueClient(options.Value.QueueName);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = reporter.Reader;
        var batch = new List<FailureRecord>(_options.BatchSize);
        try
        {
            // Before the first failure: the Functions host's archive trigger polls this queue from the start, and the
            // storage SDK logs each poll of a queue that does not exist as a 404 warning. Failing here costs nothing:
            // the first send creates it again.
            await CreateQueueAsync(stoppingToken);
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < _options.BatchSize && reader.TryRead(out var record))
                {
                    batch.Add(record);
                }

                await SendUntilDoneAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await DrainAsync(batch);
    }

    /// <summary>At shutdown: what is still buffered goes out within the drain timeout, or is counted as lost.</summary>
    private async Task DrainAsync(List<FailureRecord> unsent)
    {
        while (reporter.Reader.TryRead(out var record))
        {
            unsent.Add(record);
        }

        using var drain = new CancellationTokenSource(_options.DrainTimeout, timeProvider);
        try
        {
            await SendUntilDoneAsync(unsent, drain.Token);
        }
        catch (OperationCanceledException)
        {
            FailureLog.LostOnShutdown(logger, unsent.Count);
        }
    }

    /// <summary>Sends every record of <paramref name="batch"/>, removing each once the queue has it; retries the rest.</summary>
    private async Task SendUntilDoneAsync(List<FailureRecord> batch, CancellationToken cancellationToken)
    {
        var delay = s_firstRetryDelay;
        while (batch.Count > 0)
        {
            var sent = await Task.WhenAll(batch.Select(record => TrySendAsync(record, cancellationToken)));
            for (var i = batch.Count - 1; i >= 0; i--)
            {
                if (sent[i])
                {
                    batch.RemoveAt(i);
                }
            }

            if (batch.Count == 0)
            {
                return;
            }

            FailureLog.SendFailed(logger, batch.Count + reporter.Pending, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, timeProvider, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, s_longestRetryDelay.Ticks));
        }
    }

    private async Task<bool> TrySendAsync(FailureRecord record, CancellationToken cancellationToken)
    {
        var message = JsonSerializer.Serialize(record, FailureJsonContext.Default.FailureRecord);
        try
        {
            await _queue.SendMessageAsync(message, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            // The first record into a new storage account (or a storage emulator that restarted) creates the queue.
            return await CreateQueueAsync(cancellationToken) && await TrySendAsync(record, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Any other failure (refused, reset, timed out, retries exhausted) leaves the record for the next round.
            return false;
        }
    }

    private async Task<bool> CreateQueueAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
