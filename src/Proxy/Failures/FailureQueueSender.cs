using System.Net;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Proxy.Failures;

/// <summary>
/// Empties the <see cref="FailureReporter"/>'s buffer onto the failure queue, off the request path: in batches, keyed
/// failures first, retrying with backoff for as long as the queue is down (records wait in the buffer meanwhile), and
/// draining what is left when the host shuts down. Every <see cref="FailureOptions.AggregateInterval"/> it closes the
/// count of anonymous failures the buffer had no room for into one aggregated record, and the counts of repeated keyed
/// failures into one aggregated record per key, kind and status. A record the queue refuses for good is dropped and
/// counted, never retried forever in front of the others.
/// </summary>
internal sealed class FailureQueueSender(
    FailureReporter reporter, QueueServiceClient queueService, IOptions<FailureOptions> options,
    TimeProvider timeProvider, ILogger<FailureQueueSender> logger) : BackgroundService
{
    private static readonly TimeSpan s_firstRetryDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan s_longestRetryDelay = TimeSpan.FromSeconds(5);

    private readonly FailureOptions _options = options.Value;
    private readonly QueueClient _queue = queueService.GetQueueClient(options.Value.QueueName);

    /// <summary>
    /// The aggregated records of repeated keyed failures, one per key, kind and status, waiting to go out a batch at a
    /// time; at most <see cref="FailureOptions.BufferCapacity"/>, since the next interval is closed only once they are
    /// gone (its counts go on growing meanwhile, exactly).
    /// </summary>
    private readonly Queue<FailureRecord> _repeated = new();
    private DateTimeOffset _nextAggregate;
    private long _refused;

    private enum SendResult
    {
        Sent,
        Retry,
        Refused,
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<FailureRecord>(_options.BatchSize);
        _nextAggregate = timeProvider.GetUtcNow() + _options.AggregateInterval;
        try
        {
            // Before the first failure: the Functions host's archive trigger polls this queue from the start, and the
            // storage SDK logs each poll of a queue that does not exist as a 404 warning. Failing here costs nothing:
            // the first send creates it again.
            await CreateQueueAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                if (timeProvider.GetUtcNow() >= _nextAggregate)
                {
                    _nextAggregate = timeProvider.GetUtcNow() + _options.AggregateInterval;
                    AddAggregated(batch);
                }

                Take(batch);

                if (batch.Count == 0)
                {
                    await WaitForWorkAsync(stoppingToken);
                    continue;
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

    /// <summary>
    /// Keyed records first, so that however many anonymous ones wait, a keyed one waits for at most one batch; then the
    /// keyed counts, then the anonymous records.
    /// </summary>
    private void Take(List<FailureRecord> batch)
    {
        while (batch.Count < _options.BatchSize &&
               (reporter.Keyed.TryRead(out var record) || _repeated.TryDequeue(out record) || reporter.Anonymous.TryRead(out record)))
        {
            batch.Add(record);
        }
    }

    private void AddAggregated(List<FailureRecord> batch)
    {
        if (reporter.Aggregate.TryClose(out var total, out var since, out var last, out var counts))
        {
            batch.Add(FailureRecordFactory.Aggregated(total, since, last, counts));
            FailureLog.Aggregated(logger, total, counts.Count, _options.AnonymousBufferCapacity);
        }

        if (_repeated.Count == 0 && reporter.Repeated.Close() is { Count: > 0 } repeated)
        {
            foreach (var count in repeated)
            {
                _repeated.Enqueue(FailureRecordFactory.Aggregated(count));
            }

            FailureLog.Repeated(logger, repeated.Sum(count => count.Count), _options.KeyedRecordsPerInterval, repeated.Count);
        }
    }

    /// <summary>Until a record arrives in either share, or the next aggregated record is due.</summary>
    private async Task WaitForWorkAsync(CancellationToken stoppingToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var due = _nextAggregate - timeProvider.GetUtcNow();
        await Task.WhenAny(
            reporter.Keyed.WaitToReadAsync(waiting.Token).AsTask(),
            reporter.Anonymous.WaitToReadAsync(waiting.Token).AsTask(),
            Task.Delay(due > TimeSpan.Zero ? due : TimeSpan.Zero, timeProvider, waiting.Token));
        await waiting.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
    }

    /// <summary>At shutdown: what is still buffered, and the last count, go out within the drain timeout, or are counted as lost.</summary>
    private async Task DrainAsync(List<FailureRecord> unsent)
    {
        while (reporter.Keyed.TryRead(out var record) || _repeated.TryDequeue(out record) || reporter.Anonymous.TryRead(out record))
        {
            unsent.Add(record);
        }

        AddAggregated(unsent);
        unsent.AddRange(_repeated);
        _repeated.Clear();
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

    /// <summary>Sends every record of <paramref name="batch"/>, removing each once the queue has it or has refused it for good; retries the rest.</summary>
    private async Task SendUntilDoneAsync(List<FailureRecord> batch, CancellationToken cancellationToken)
    {
        var delay = s_firstRetryDelay;
        while (batch.Count > 0)
        {
            var results = await Task.WhenAll(batch.Select(record => TrySendAsync(record, cancellationToken)));
            for (var i = batch.Count - 1; i >= 0; i--)
            {
                if (results[i] != SendResult.Retry)
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

    private async Task<SendResult> TrySendAsync(FailureRecord record, CancellationToken cancellationToken)
    {
        var message = JsonSerializer.Serialize(record, FailureJsonContext.Default.FailureRecord);

        // The bounds make this impossible; should a field escape them, the record is refused here rather than by the queue.
        if (((Encoding.UTF8.GetByteCount(message) + 2) / 3 * 4) > FailureRecordBounds.QueueMessageLimit)
        {
            return Refused(record, (int)HttpStatusCode.RequestEntityTooLarge, "MessageTooLarge");
        }

        try
        {
            await _queue.SendMessageAsync(message, cancellationToken);
            return SendResult.Sent;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            // The first record into a new storage account (or a storage emulator that restarted) creates the queue.
            return await CreateQueueAsync(cancellationToken) ? await TrySendAsync(record, cancellationToken) : SendResult.Retry;
        }
        catch (RequestFailedException e) when (IsPermanent(e.Status))
        {
            return Refused(record, e.Status, e.ErrorCode);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Any other failure (refused for now, reset, timed out, retries exhausted) leaves the record for the next round.
            return SendResult.Retry;
        }
    }

    /// <summary>A 4xx other than 404 (no queue yet), 408 and 429 (try later) says the message itself is wrong: sending it again cannot help.</summary>
    private static bool IsPermanent(int status) =>
        status is >= 400 and < 500 and not (int)HttpStatusCode.NotFound and not (int)HttpStatusCode.RequestTimeout and not (int)HttpStatusCode.TooManyRequests;

    private SendResult Refused(FailureRecord record, int status, string? errorCode)
    {
        var refused = Interlocked.Increment(ref _refused);
        if (refused == 1 || refused % 1000 == 0)
        {
            FailureLog.Refused(logger, status, errorCode ?? string.Empty, record.RequestId, refused);
        }

        return SendResult.Refused;
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
