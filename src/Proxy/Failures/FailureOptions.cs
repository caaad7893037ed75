namespace Proxy.Failures;

/// <summary>Failure reporting and archiving. Bound from <c>Proxy:Failures</c> (<c>Proxy__Failures__*</c>).</summary>
public sealed class FailureOptions
{
    public const string SectionName = "Proxy:Failures";

    /// <summary>The queue records go to; its poison queue is this name plus <c>-poison</c>.</summary>
    public string QueueName { get; set; } = "proxy-failures";

    /// <summary>The archive table, partitioned by UTC hour and keyed by request id.</summary>
    public string TableName { get; set; } = "failures";

    /// <summary>
    /// Records of failures with an accepted key held in memory while the queue is slow or down; past this, new ones are
    /// dropped and counted.
    /// </summary>
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>
    /// The separate share of the buffer for failures without an accepted key (no key, refused before it was read, an
    /// unknown key); past this, they are counted into aggregated records instead.
    /// </summary>
    public int AnonymousBufferCapacity { get; set; } = 1_000;

    /// <summary>
    /// Records each (key, kind, status) of failures with an accepted key gets per <see cref="AggregateInterval"/>; its
    /// further failures in the interval are counted into one aggregated record instead, so that one key failing the
    /// same way at any rate takes no more of the buffer than this. At most <see cref="BufferCapacity"/> (key, kind,
    /// status) are followed per interval.
    /// </summary>
    public int KeyedRecordsPerInterval { get; set; } = 20;

    /// <summary>
    /// How often the counts of anonymous failures the buffer had no room for, and of repeated keyed failures beyond
    /// <see cref="KeyedRecordsPerInterval"/>, become aggregated records.
    /// </summary>
    public TimeSpan AggregateInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Records sent at once.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>The standalone archiver moves a message to the poison queue after this many failed attempts (the Functions host reads host.json).</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>
    /// Whether the standalone host archives the queue itself. Off where another process does (a Functions app,
    /// or one standalone instance chosen to), or where the queue is read by something else.
    /// </summary>
    public bool ArchiveInProcess { get; set; } = true;

    /// <summary>How long a message the standalone archiver could not archive stays invisible before its next attempt.</summary>
    public TimeSpan ArchiveRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the standalone archiver waits when the queue is empty.</summary>
    public TimeSpan ArchivePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long shutdown waits for buffered records to go out.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public string PoisonQueueName => QueueName + "-poison";
}
