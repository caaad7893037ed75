using Azure;
using Azure.Data.Tables;

namespace Proxy.Quota;

/// <summary>One key's count for one hour: partition = <see cref="QuotaCounterStore.PartitionKey"/> (the hour and a share of the keys), row = the key hash.</summary>
public sealed class QuotaCounterEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public long Count { get; set; }

    /// <summary>
    /// Which write set this count: a write whose answer was lost and that the storage SDK sent again finds its condition
    /// gone because it landed the first time, and this tells it so (rather than that another writer was first).
    /// </summary>
    public string? Writer { get; set; }
}
