using System.Text.Json.Nodes;
using Azure.Storage.Queues;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// Reads every record off a test's own failure queue without deleting them (each stays invisible for the test's
/// length), so that tens of thousands of records are counted in a few hundred calls. Records are read as the JSON
/// any consumer of the queue sees.
/// </summary>
internal sealed class FailureQueueTally(string connectionString, string queueName)
{
    private static readonly TimeSpan s_hidden = TimeSpan.FromMinutes(10);

    private readonly QueueClient _queue = new(connectionString, queueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public List<JsonObject> Records { get; } = [];

    /// <summary>Failures the records that match stand for: one per record, and an aggregated record's <c>count</c>.</summary>
    public long Failures(Func<JsonObject, bool> which) =>
        Records.Where(which).Sum(record => (string?)record["kind"] == "aggregated" ? (long?)record["count"] ?? 0 : 1);

    /// <summary>Takes whatever has arrived since the last call.</summary>
    public async Task ReceiveAvailableAsync()
    {
        await _queue.CreateIfNotExistsAsync();
        while (true)
        {
            var messages = (await _queue.ReceiveMessagesAsync(maxMessages: 32, s_hidden)).Value;
            if (messages.Length == 0)
            {
                return;
            }

            Records.AddRange(messages.Select(message => JsonNode.Parse(message.MessageText)!.AsObject()));
        }
    }
}
