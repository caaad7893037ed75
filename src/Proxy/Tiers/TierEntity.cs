using Azure;
using Azure.Data.Tables;

namespace Proxy.Tiers;

/// <summary>A row of the tiers table: partition = the tier's name, lowercase; empty row key; no limit is an absent property.</summary>
public sealed class TierEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public int? RequestsPerHour { get; set; }

    /// <summary>Prompt plus completion tokens per key and hour; absent in rows written before token limits, which then have none.</summary>
    public long? TokensPerHour { get; set; }

    /// <summary>The completion tokens reserved for a request that sets no cap; absent: the deployment's default.</summary>
    public long? DefaultMaxTokens { get; set; }

    public TierRecord ToRecord() => new(PartitionKey, RequestsPerHour, TokensPerHour, DefaultMaxTokens);

    public static TierEntity From(TierRecord record) => new()
    {
        PartitionKey = record.Name,
        RequestsPerHour = record.RequestsPerHour,
        TokensPerHour = record.TokensPerHour,
        DefaultMaxTokens = record.DefaultMaxTokens,
    };
}
