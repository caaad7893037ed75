namespace Proxy.Failures;

/// <summary>
/// One failure, as it goes on the queue and into the archive. Carries no key (only a hash prefix), no
/// <c>Authorization</c> value and no body beyond the model name. Every field is bounded (<see cref="FailureRecordBounds"/>).
/// </summary>
public sealed record FailureRecord
{
    /// <summary>
    /// 2 added aggregated records and their <see cref="Count"/>, <see cref="Counts"/> and <see cref="Since"/>; 3 added
    /// <see cref="Refunded"/>.
    /// </summary>
    public const int CurrentSchemaVersion = 3;

    /// <summary>
    /// The kind of a record that stands for many failures of requests without an accepted key, counted rather than
    /// recorded one by one once their share of the buffer is full. It is not a failure itself.
    /// </summary>
    public const string AggregatedKind = "aggregated";

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string RequestId { get; init; }

    public string? ClientRequestId { get; init; }

    /// <summary>UTC, ISO 8601 with milliseconds, as in the error body.</summary>
    public required string Timestamp { get; init; }

    public required string Method { get; init; }

    public required string Path { get; init; }

    public int StatusCode { get; init; }

    /// <summary>The contract's kind: <c>bad_request</c>, <c>upstream_timeout</c>, <c>quota_store_unavailable</c>, …</summary>
    public required string Kind { get; init; }

    /// <summary>Who failed: <c>proxy</c>, <c>upstream</c> or <c>client</c>.</summary>
    public required string Source { get; init; }

    public required string Message { get; init; }

    public string? KeyId { get; init; }

    public string? Tier { get; init; }

    public string? Model { get; init; }

    public int? UpstreamStatusCode { get; init; }

    public string? UpstreamRequestId { get; init; }

    public long DurationMs { get; init; }

    public long? RequestBytes { get; init; }

    public long? ResponseBytes { get; init; }

    public string? Instance { get; init; }

    /// <summary>
    /// Whether the request was left out of its key's hour: true when its failure was not the client's fault and
    /// its unit was given back (or it was admitted fail-open, uncounted), false when it counts; absent when it was never
    /// counted (refused, or on an uncounted path). Absent in records before version 3.
    /// </summary>
    public bool? Refunded { get; init; }

    /// <summary>Aggregated records only: how many failures this record stands for.</summary>
    public long? Count { get; init; }

    /// <summary>Aggregated records only: <see cref="Count"/> by kind and status.</summary>
    public IReadOnlyList<FailureCount>? Counts { get; init; }

    /// <summary>Aggregated records only: when the first failure it counts happened; the record's timestamp is when the count was closed.</summary>
    public string? Since { get; init; }
}
