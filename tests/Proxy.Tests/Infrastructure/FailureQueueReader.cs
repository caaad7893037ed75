using System.Collections.Concurrent;
using Azure.Storage.Queues;
using Proxy.Failures;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// Takes failure records off a real queue (Base64, as the Functions trigger reads them) and keeps every one,
/// so that a test can ask how many records a request got and what they said.
/// </summary>
internal sealed class FailureQueueReader(string connectionString, string queueName) : IDisposable
{
    private readonly QueueClient _queue = new(connectionString, queueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
    private readonly ConcurrentQueue<(string Text, FailureRecord Record)> _received = new();
    private readonly SemaphoreSlim _receiving = new(1, 1);

    /// <summary>Every message received so far, as sent.</summary>
    public IEnumerable<string> RawMessages => _received.Select(message => message.Text);

    public void Dispose() => _receiving.Dispose();

    /// <summary>Every record received so far.</summary>
    public IReadOnlyList<FailureRecord> Records => _received.Select(message => message.Record).ToList();

    public IReadOnlyList<FailureRecord> RecordsFor(string requestId) =>
        _received.Where(message => message.Record.RequestId == requestId).Select(message => message.Record).ToList();

    /// <summary>Receives until a record of <paramref name="requestId"/> arrives, then a little longer to catch a duplicate.</summary>
    public async Task<FailureRecord> WaitForAsync(string requestId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            await ReceiveAvailableAsync();
            if (RecordsFor(requestId).Count > 0)
            {
                await Task.Delay(300);
                await ReceiveAvailableAsync();
                return Assert.Single(RecordsFor(requestId));
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"No failure record for request {requestId} reached queue {queueName}.");
    }

    /// <summary>Receives until every one of <paramref name="requestIds"/> has a record; returns how long that took.</summary>
    public async Task WaitForAllAsync(IReadOnlyCollection<string> requestIds, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            await ReceiveAvailableAsync();
            var seen = _received.Select(message => message.Record.RequestId).ToHashSet();
            if (requestIds.All(seen.Contains))
            {
                return;
            }

            await Task.Delay(200);
        }

        var missing = requestIds.Except(_received.Select(message => message.Record.RequestId)).Count();
        throw new Xunit.Sdk.XunitException($"{missing} of {requestIds.Count} failure records never reached queue {queueName}.");
    }

    /// <summary>Receives until the records received so far satisfy <paramref name="condition"/>; fails, naming <paramref name="what"/>, after <paramref name="timeout"/>.</summary>
    public Task WaitUntilAsync(Func<IReadOnlyList<FailureRecord>, bool> condition, TimeSpan timeout, string what) =>
        Eventually.TrueAsync(async () =>
        {
            await ReceiveAvailableAsync();
            return condition(Records);
        }, timeout, what);

    private async Task ReceiveAvailableAsync()
    {
        await _receiving.WaitAsync();
        try
        {
            await _queue.CreateIfNotExistsAsync();
            while (true)
            {
                var messages = (await _queue.ReceiveMessagesAsync(maxMessages: 32)).Value;
                if (messages.Length == 0)
                {
                    return;
                }

                foreach (var message in messages)
                {
                    _received.Enqueue((message.MessageText, FailureArchive.Parse(message.MessageText)));
                    await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }
            }
        }
        finally
        {
            _receiving.Release();
        }
    }
}
