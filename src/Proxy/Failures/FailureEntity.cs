using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Proxy.Errors;

namespace Proxy.Failures;

/// <summary>
/// An archived failure: partition = the UTC hour (<c>yyyyMMddHH</c>), so a time range is a range of partitions;
/// row = the request id, so a redelivered message overwrites its own row instead of adding one. A request admitted
/// uncounted can fail as well, and then has two records; the uncounted admission's row is the request id with
/// <see cref="UncountedSuffix"/>, so neither overwrites the other.
/// </summary>
public sealed class FailureEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public const string UncountedSuffix = "~quota_store_unavailable";

    public string RequestId { get; set; } = string.Empty;

    public int SchemaVersion { get; set; }

    public string? ClientRequestId { get; set; }

    public string OccurredAt { get; set; } = string.Empty;

    public string Method { get; set; } = string.Empty;

    public string Path { get; set; } = string.Empty;

    public int StatusCode { get; set; }

    public string Kind { get; set; } = string.Empty;

    public string Source { get; set; } = string.Empty;

    public string Message { get; set; } = string.Empty;

    public string? KeyId { get; set; }

    public string? Tier { get; set; }

    public string? Model { get; set; }

    public int? UpstreamStatusCode { get; set; }

    public string? UpstreamRequestId { get; set; }

    public long DurationMs { get; set; }

    public long? RequestBytes { get; set; }

    public long? ResponseBytes { get; set; }

    public string? Instance { get; set; }

    public bool? Refunded { get; set; }

    /// <summary>Aggregated records only; <see cref="Counts"/> is their JSON array, as on the queue.</summary>
    public long? Count { get; set; }

    public string? Counts { get; set; }

    public string? Since { get; set; }

    /// <summary>The partition of the hour <paramref name="time"/> falls in.</summary>
    public static string PartitionOf(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    /// <summary>The row of <paramref name="record"/>, which must already be within <see cref="FailureRecordBounds"/>.</summary>
    public static FailureEntity From(FailureRecord record, DateTimeOffset occurredAt) => new()
    {
        PartitionKey = PartitionOf(occurredAt),
        RowKey = record.Kind == FailureKindNames.Of(FailureKind.QuotaStoreUnavailable) ? record.RequestId + UncountedSuffix : record.RequestId,
        RequestId = record.RequestId,
        SchemaVersion = record.SchemaVersion,
        ClientRequestId = record.ClientRequestId,
        OccurredAt = record.Timestamp,
        Method = record.Method,
        Path = record.Path,
        StatusCode = record.StatusCode,
        Kind = record.Kind,
        Source = record.Source,
        Message = record.Message,
        KeyId = record.KeyId,
        Tier = record.Tier,
        Model = record.Model,
        UpstreamStatusCode = record.UpstreamStatusCode,
        UpstreamRequestId = record.UpstreamRequestId,
        DurationMs = record.DurationMs,
        RequestBytes = record.RequestBytes,
        ResponseBytes = record.ResponseBytes,
        Instance = record.Instance,
        Refunded = record.Refunded,
        Count = record.Count,
        Counts = record.Counts is { } counts ? JsonSerializer.Serialize(counts, FailureJsonContext.Default.IReadOnlyListFailureCount) : null,
        Since = record.Since,
    };

    public FailureRecord ToRecord() => new()
    {
        SchemaVersion = SchemaVersion,
        RequestId = RequestId,
        ClientRequestId = ClientRequestId,
        Timestamp = OccurredAt,
        Method = Method,
        Path = Path,
        StatusCode = StatusCode,
        Kind = Kind,
        Source = Source,
        Message = Message,
        KeyId = KeyId,
        Tier = Tier,
        Model = Model,
        UpstreamStatusCode = UpstreamStatusCode,
        UpstreamRequestId = UpstreamRequestId,
        DurationMs = DurationMs,
        RequestBytes = RequestBytes,
        ResponseBytes = ResponseBytes,
        Instance = Instance,
        Refunded = Refunded,
        Count = Count,
        Counts = Counts is { } counts ? JsonSerializer.Deserialize(counts, FailureJsonContext.Default.IReadOnlyListFailureCount) : null,
        Since = Since,
    };
}
