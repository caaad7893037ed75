using Azure;
using Azure.Data.Tables;

namespace Proxy.Auth;

/// <summary>A row of the keys table: partition = key id (the hash of its first secret), empty row key.</summary>
public sealed class KeyEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string? Name { get; set; }

    public string Tier { get; set; } = Quota.QuotaOptions.FreeTier;

    public int? RequestsPerHour { get; set; }

    public bool Disabled { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The hash of the key's secret since it was rotated; absent on a key never rotated (and on rows written before rotation existed).</summary>
    public string? SecretHash { get; set; }

    public KeyRecord ToRecord() => new(PartitionKey, Name, Tier, RequestsPerHour, Disabled, CreatedAt, SecretHash);

    public static KeyEntity From(KeyRecord record) => new()
    {
        PartitionKey = record.KeyId,
        Name = record.Name,
        Tier = record.Tier,
        RequestsPerHour = record.RequestsPerHour,
        Disabled = record.Disabled,
        CreatedAt = record.CreatedAt,
        SecretHash = record.SecretHash,
    };
}
