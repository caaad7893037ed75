using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Proxy.Auth;

namespace Proxy.Usage;

/// <summary>
/// One instance's totals for one key and hour: partition = the hour (<c>yyyyMMddHH</c>, UTC) and the key id's first hex
/// digit (<c>yyyyMMddHH-x</c>), row = <c>{keyId}_{instanceId}</c>. Only the instance named in the row key writes it, always
/// its absolute totals, so a retried write changes nothing. An hour's rows are spread over sixteen partitions, not one:
/// every instance flushes every active key of the hour, and one partition takes about 2,000 entities a second on Azure
/// Storage (Azurite scans a partition's rows on every upsert), so one partition per hour was the ledger's ceiling.
/// </summary>
public sealed class UsageEntity : ITableEntity
{
    public const string HourFormat = "yyyyMMddHH";

    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string KeyId { get; set; } = string.Empty;

    public long Requests { get; set; }

    public long Succeeded { get; set; }

    public long FailedClient { get; set; }

    public long FailedUpstream { get; set; }

    public long FailedProxy { get; set; }

    public long Refused { get; set; }

    public long PromptTokens { get; set; }

    public long CompletionTokens { get; set; }

    public long RequestBytes { get; set; }

    public long ResponseBytes { get; set; }

    public long LatencyCount { get; set; }

    public long LatencySumMs { get; set; }

    public long LatencyMaxMs { get; set; }

    /// <summary>The <see cref="LatencySummary"/> bucket counts, comma-separated.</summary>
    public string? LatencyBuckets { get; set; }

    /// <summary>The hour part of every partition key of <paramref name="hour"/>; partition keys of later hours sort after it.</summary>
    public static string HourOf(DateTimeOffset hour) => hour.ToUniversalTime().ToString(HourFormat, CultureInfo.InvariantCulture);

    /// <summary>Where a key's rows of an hour are: the hour and the key id's first hex digit.</summary>
    public static string PartitionOf(DateTimeOffset hour, string keyId) =>
        HourOf(hour) + "-" + ApiKeyHash.FirstDigit(keyId).ToString("x", CultureInfo.InvariantCulture);

    public static string RowOf(string keyId, string instanceId) => keyId + "_" + instanceId;

    // Rows written before the hour was split (partition = the hour alone) read the same.
    public DateTimeOffset Hour =>
        DateTimeOffset.ParseExact(PartitionKey.AsSpan(0, HourFormat.Length), HourFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public UsageHour ToHour() => new(
        KeyId, Hour, Requests, Succeeded, FailedClient, FailedUpstream, FailedProxy, Refused, PromptTokens, CompletionTokens, RequestBytes, ResponseBytes,
        new LatencySummary(LatencyCount, LatencySumMs, LatencyMaxMs, LatencySummary.ParseBuckets(LatencyBuckets)));

    public static UsageEntity From(UsageHour hour, string instanceId) => new()
    {
        PartitionKey = PartitionOf(hour.Hour, hour.KeyId),
        RowKey = RowOf(hour.KeyId, instanceId),
        KeyId = hour.KeyId,
        Requests = hour.Requests,
        Succeeded = hour.Succeeded,
        FailedClient = hour.FailedClient,
        FailedUpstream = hour.FailedUpstream,
        FailedProxy = hour.FailedProxy,
        Refused = hour.Refused,
        PromptTokens = hour.PromptTokens,
        CompletionTokens = hour.CompletionTokens,
        RequestBytes = hour.RequestBytes,
        ResponseBytes = hour.ResponseBytes,
        LatencyCount = hour.Latency.Count,
        LatencySumMs = hour.Latency.SumMs,
        LatencyMaxMs = hour.Latency.MaxMs,
        LatencyBuckets = LatencySummary.FormatBuckets(hour.Latency.Buckets),
    };
}
