using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Proxy.Auth;

namespace Proxy.Quota;

/// <summary>
/// The counters in Table storage. Every write is conditional: an insert that fails with 409 or a replace that
/// fails with 412 means another request (in this process or another) wrote first, and nothing is overwritten.
/// An hour's counters are spread over <see cref="Partitions"/> partitions by key, so that the writes of many keys that
/// wait at once share one entity-group transaction per partition (<see cref="CounterPartition"/>, issue 16).
/// </summary>
public sealed class QuotaCounterStore(TableServiceClient tableService, IOptions<QuotaOptions> options, TimeProvider timeProvider)
{
    /// <summary>
    /// Partitions per hour. More would batch less (the writes waiting at once are split among them); fewer would put more
    /// on one partition than the store serves (about 2,000 entities a second each on Azure Storage, so 16 partitions stay
    /// above the account's 20,000). Fixed, not a setting: every process and the CLI must agree on where a key's row is.
    /// </summary>
    public const int Partitions = 16;

    private readonly string _tablePrefix = options.Value.TablePrefix;
    private readonly TimeSpan _storeTimeout = options.Value.StoreTimeout;

    // The current hour's table client and partitions, not one per call: a client is cheap to keep and not free to make on
    // every admission. Around the top of the hour a write of the hour before makes its own again, which costs nothing more.
    private HourPartitions? _current;

    /// <summary>The count, its ETag and the write that set it, or null when no request has been counted in this window yet.</summary>
    public async Task<(long Count, ETag ETag, string? Writer)?> ReadAsync(string keyId, QuotaWindow window, CancellationToken cancellationToken = default)
    {
        var response = await For(window).Table.GetEntityIfExistsAsync<QuotaCounterEntity>(PartitionKey(window, keyId), keyId, cancellationToken: cancellationToken);
        return response.HasValue && response.Value is { } entity ? (entity.Count, entity.ETag, entity.Writer) : null;
    }

    /// <summary>
    /// Writes <paramref name="count"/> as the key's count, marked as <paramref name="writer"/>'s: the window's first when
    /// <paramref name="ifMatch"/> is null, else only if nobody changed it since that ETag. Null when the condition failed (409,
    /// 412, or the row is gone): another writer was first, or this write was, if the SDK sent it again after losing its answer.
    /// </summary>
    public Task<ETag?> TryWriteAsync(string keyId, QuotaWindow window, long count, string writer, ETag? ifMatch, CancellationToken cancellationToken = default) =>
        For(window).Partitions[PartitionIndex(keyId)].WriteAsync(keyId, count, writer, ifMatch, cancellationToken);

    /// <summary>Where a key's row of an hour is: the hour (<see cref="QuotaWindow.Id"/>) and the key's partition of it.</summary>
    public static string PartitionKey(QuotaWindow window, string keyId) => PartitionKeyOf(window, PartitionIndex(keyId));

    private static string PartitionKeyOf(QuotaWindow window, int index) => window.Id + "-" + index.ToString("x", CultureInfo.InvariantCulture);

    private static int PartitionIndex(string keyId) => ApiKeyHash.FirstDigit(keyId) % Partitions;

    private HourPartitions For(QuotaWindow window)
    {
        if (Volatile.Read(ref _current) is { } current && current.Window == window)
        {
            return current;
        }

        var table = tableService.GetTableClient(window.TableName(_tablePrefix));
        var hour = new HourPartitions(window, table, [.. Enumerable.Range(0, Partitions)
            .Select(index => new CounterPartition(table, PartitionKeyOf(window, index), _storeTimeout, timeProvider))]);
        Volatile.Write(ref _current, hour);
        return hour;
    }

    private sealed record HourPartitions(QuotaWindow Window, TableClient Table, CounterPartition[] Partitions);
}
