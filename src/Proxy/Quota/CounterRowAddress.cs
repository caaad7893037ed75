using System.Globalization;
using Proxy.Auth;

namespace Proxy.Quota;

/// <summary>
/// Where a key's counter row of an hour is: the day's table, the hour's partition for the key (one of
/// <see cref="Partitions"/>, by the key id's first digit), and the key id as the row key.
/// </summary>
internal readonly record struct CounterRowAddress(string Table, string Partition, string Row)
{
    /// <summary>
    /// Partitions per hour. More would batch less (the writes waiting at once are split among them); fewer would put more
    /// on one partition than the store serves (about 2,000 entities a second each on Azure Storage, so 16 partitions stay
    /// above the account's 20,000). Fixed, not a setting: every process and the CLI must agree on where a key's row is.
    /// </summary>
    public const int Partitions = 16;

    public static CounterRowAddress Of(string tablePrefix, QuotaWindow window, string keyId) =>
        new(window.TableName(tablePrefix), PartitionKey(window, keyId), keyId);

    /// <summary>The hour (<see cref="QuotaWindow.Id"/>) and the key's share of it.</summary>
    public static string PartitionKey(QuotaWindow window, string keyId) =>
        window.Id + "-" + (ApiKeyHash.FirstDigit(keyId) % Partitions).ToString("x", CultureInfo.InvariantCulture);
}
