namespace Proxy.Failures;

/// <summary>
/// One failure, as it goes on the queue and into the archive. Carries no key (only a hash prefix), no
/// <c>Authorization</c> value and no body beyond the model name.
/// </summary>
public sealed record FailureRecord
{
    public const int CurrentSchemaVersion = 1;

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
}
