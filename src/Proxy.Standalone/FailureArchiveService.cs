using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Options;
using Proxy.Failures;

namespace Proxy.Standalone;

/// <summary>
/// The standalone host's stand-in for the queue-triggered function: the same archive, the same poison rule
/// (a message that fails <see cref="FailureOptions.MaxDequeueCount"/> times moves to the poison queue), so the
/// whole failure pipeline works without Azure Functions.
/// </summary>
internal sealed partial class FailureArchiveService(
    FailureArchive archive, QueueServiceClient queueService, IOptions<FailureOptions> options, TimeProvider timeProvider,
    ILogger<FailureArchiveService> logger) : BackgroundService
{
    private readonly FailureOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.ArchiveInProcess)
        {
            return;
        }

        var queue = queueService.GetQueueClient(_options.QueueName);
        var poison = queueService.GetQueueClient(_options.PoisonQueueName);
        var queueExists = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            QueueMessage[] messages;
            try
            {
                // Polling a queue that does not exist yet would fail every second until the first failure creates it.
                if (!queueExists)
                {
                    await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    queueExists = true;
                }

                messages = (await queue.ReceiveMessagesAsync(maxMessages: 32, _options.ArchiveRetryDelay, stoppingToken)).Value;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // No queue yet, or storage down: look again later.
                messages = [];
            }

            foreach (var message in messages)
            {
                await ArchiveOneAsync(queue, poison, message, stoppingToken);
            }

            if (messages.Length == 0)
            {
                await Task.Delay(_options.ArchivePollInterval, timeProvider, stoppingToken);
            }
        }
    }

    private async Task ArchiveOneAsync(QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await archive.ArchiveAsync(message.MessageText, cancellationToken);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Left on the queue, it comes back after the visibility timeout; after the last attempt it is poison.
            if (message.DequeueCount >= _options.MaxDequeueCount)
            {
                await poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                await poison.SendMessageAsync(message.MessageText, cancellationToken);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                Poisoned(logger, message.MessageId, message.DequeueCount, _options.PoisonQueueName);
            }
        }
    }

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning,
        Message = "Malformed failure message {MessageId} (attempt {DequeueCount}) moved to {PoisonQueue}")]
    private static partial void Poisoned(ILogger logger, string messageId, long dequeueCount, string poisonQueue);
}
