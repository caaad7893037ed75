namespace Proxy.Failures;

/// <summary>Failure reporting and archiving. Bound from <c>Proxy:Failures</c> (<c>Proxy__Failures__*</c>).</summary>
public sealed class FailureOptions
{
    public const string SectionName = "Proxy:Failures";

    /// <summary>The queue records go to; its poison queue is this name plus <c>-poison</c>.</summary>
    public string QueueName { get; set; } = "proxy-failures";

    /// <summary>The archive table, partitioned by UTC hour and keyed by request id.</summary>
    public string TableName { get; set; } = "failures";

    /// <summary>Records held in memory while the queue is slow or down; past this, new records are dropped and counted.</summary>
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>Records sent at once.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>The standalone archiver moves a message to the poison queue after this many failed attempts (the Functions host reads host.json).</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>How long the standalone archiver waits when the queue is empty.</summary>
    public TimeSpan ArchivePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long shutdown waits for buffered records to go out.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public string PoisonQueueName => QueueName + "-poison";
}
