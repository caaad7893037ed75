using Azure.Data.Tables;
using Azure.Storage.Queues;
using Proxy.Failures;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Failures;

/// <summary>The archive as each host runs it (the standalone host's archiver, the Functions app's queue trigger): idempotent, and poison-proof.</summary>
public abstract class FailureArchiveTests(ProxyFixture fixture)
{
    [Fact]
    public async Task RedeliveredAndMalformedMessages_LeaveOneRowAndEndInThePoisonQueueWithoutBlockingTheRest()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var queueName = "archive-" + suffix;
        var tableName = "failures" + suffix;
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Failures__QueueName", queueName),
            ("Proxy__Failures__TableName", tableName),
            ("Proxy__Failures__ArchiveInProcess", "true"),
            ("Proxy__Failures__MaxDequeueCount", "2"),
            ("Proxy__Failures__ArchiveRetryDelay", "00:00:01"),
            ("Proxy__Failures__ArchivePollInterval", "00:00:00.200"));
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        var queue = new QueueClient(fixture.Azurite.ConnectionString, queueName, options);
        var poison = new QueueClient(fixture.Azurite.ConnectionString, queueName + "-poison", options);
        await queue.CreateIfNotExistsAsync();

        var redelivered = Record("redelivered");
        var afterPoison = Record("after-poison");

        // From another writer, past the table's 32K characters per property: bounded before it is written, not poison.
        await queue.SendMessageAsync(Record("oversized", upstreamRequestId: new string('r', 40_000)));
        await queue.SendMessageAsync("this is not a failure record");
        await queue.SendMessageAsync(redelivered);
        await queue.SendMessageAsync(redelivered);
        await queue.SendMessageAsync(afterPoison);

        var table = new TableClient(fixture.Azurite.ConnectionString, tableName);
        await Eventually.TrueAsync(async () => await ArchivedRows.CountAsync(table, "after-poison") == 1, TimeSpan.FromSeconds(60), "a valid message behind a malformed one is archived");
        await Eventually.TrueAsync(async () => (await poison.ExistsAsync()).Value && (await poison.PeekMessagesAsync()).Value.Length == 1,
            TimeSpan.FromSeconds(20), "the malformed message reaches the poison queue");

        Assert.Equal(1, await ArchivedRows.CountAsync(table, "redelivered"));
        await Eventually.TrueAsync(async () => await ArchivedRows.CountAsync(table, "oversized") == 1, TimeSpan.FromSeconds(60), "a record too large for the table as sent is archived bounded");
        Assert.Equal("this is not a failure record", Assert.Single((await poison.PeekMessagesAsync()).Value).MessageText);
        await Eventually.TrueAsync(async () => (await queue.PeekMessagesAsync()).Value.Length == 0, TimeSpan.FromSeconds(60), "the queue is empty");
    }

    private static string Record(string requestId, string? upstreamRequestId = null) => System.Text.Json.JsonSerializer.Serialize(new FailureRecord
    {
        RequestId = requestId,
        Timestamp = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
        Method = "POST",
        Path = "/v1/chat/completions",
        StatusCode = 502,
        Kind = "upstream_unreachable",
        Source = "upstream",
        Message = "Bad Gateway: the upstream could not be reached.",
        UpstreamRequestId = upstreamRequestId,
    }, FailureJsonContext.Default.FailureRecord);
}

[Collection(OnStandaloneHost.Name)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class FailureArchiveTestsOnStandaloneHost(StandaloneHostFixture fixture) : FailureArchiveTests(fixture);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class FailureArchiveTestsOnFunctionsHost(FunctionsHostFixture fixture) : FailureArchiveTests(fixture);
