using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace Proxy.Usage;

/// <summary>
/// The ledger's table. Each instance writes only its own rows (see <see cref="UsageEntity"/>), so writers never conflict
/// and need no ETags; a reader sums the rows of each key and hour.
/// </summary>
public sealed class UsageTable(TableServiceClient tableService, IOptions<UsageOptions> options)
{
    /// <summary>Table storage's limit on the operations of one entity-group transaction.</summary>
    public const int MaxBatchSize = 100;

    private readonly TableClient _table = tableService.GetTableClient(options.Value.TableName);
    private volatile bool _created;

    /// <summary>
    /// Usage per key and hour for the hours that overlap [<paramref name="from"/>, <paramref name="to"/>], summed over
    /// instances, oldest hour first; only keys whose id starts with <paramref name="keyId"/> when it is given.
    /// </summary>
    public async Task<IReadOnlyList<UsageHour>> ReadAsync(DateTimeOffset from, DateTimeOffset to, string? keyId, CancellationToken cancellationToken)
    {
        // Every partition of the hours from..to, "yyyyMMddHH-x" (and "yyyyMMddHH", as rows were first written): '~' sorts after them.
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {UsageEntity.HourOf(from)} and PartitionKey lt {UsageEntity.HourOf(to) + "~"}");
        if (!string.IsNullOrEmpty(keyId))
        {
            // Row keys are "{keyId}_{instanceId}" of hex ids; '~' sorts after every character they hold.
            var prefix = keyId.ToLowerInvariant();
            filter += " and " + TableClient.CreateQueryFilter($"RowKey ge {prefix} and RowKey lt {prefix + "~"}");
        }

        var sums = new Dictionary<(DateTimeOffset Hour, string KeyId), UsageHour>();
        try
        {
            await foreach (var row in _table.QueryAsync<UsageEntity>(filter, cancellationToken: cancellationToken))
            {
                var hour = row.ToHour();
                var id = (hour.Hour, hour.KeyId);
                sums[id] = sums.TryGetValue(id, out var sum) ? Add(sum, hour) : hour;
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Nothing was ever flushed: no table yet.
            return [];
        }

        return [.. sums.Values.OrderBy(hour => hour.Hour).ThenBy(hour => hour.KeyId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Writes each row's absolute totals (an upsert that merges), as one entity-group transaction per partition and
    /// <see cref="MaxBatchSize"/> rows. A retry of the same totals leaves the rows as they were.
    /// </summary>
    internal async Task WriteAsync(IReadOnlyCollection<UsageEntity> rows, CancellationToken cancellationToken)
    {
        if (!_created)
        {
            await _table.CreateIfNotExistsAsync(cancellationToken);
            _created = true;
        }

        foreach (var partition in rows.GroupBy(row => row.PartitionKey))
        {
            foreach (var batch in partition.Chunk(MaxBatchSize))
            {
                await _table.SubmitTransactionAsync(
                    batch.Select(row => new TableTransactionAction(TableTransactionActionType.UpsertMerge, row)), cancellationToken);
            }
        }
    }

    /// <summary>Deletes the rows of hours before <paramref name="oldestKept"/>, a partition at a time; returns how many.</summary>
    internal async Task<int> DeleteBeforeAsync(DateTimeOffset oldestKept, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey lt {UsageEntity.HourOf(oldestKept)}");
        var deleted = 0;
        try
        {
            var expired = new List<UsageEntity>();
            await foreach (var row in _table.QueryAsync<UsageEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            {
                expired.Add(row);
            }

            foreach (var partition in expired.GroupBy(row => row.PartitionKey))
            {
                foreach (var batch in partition.Chunk(MaxBatchSize))
                {
                    await _table.SubmitTransactionAsync(
                        batch.Select(row => new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All)), cancellationToken);
                    deleted += batch.Length;
                }
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // No table yet, nothing to drop.
        }

        return deleted;
    }

    private static UsageHour Add(UsageHour a, UsageHour b) => a with
    {
        Requests = a.Requests + b.Requests,
        Succeeded = a.Succeeded + b.Succeeded,
        FailedClient = a.FailedClient + b.FailedClient,
        FailedUpstream = a.FailedUpstream + b.FailedUpstream,
        FailedProxy = a.FailedProxy + b.FailedProxy,
        Refused = a.Refused + b.Refused,
        PromptTokens = long.CreateSaturating((Int128)a.PromptTokens + b.PromptTokens),
        CompletionTokens = long.CreateSaturating((Int128)a.CompletionTokens + b.CompletionTokens),
        RequestBytes = a.RequestBytes + b.RequestBytes,
        ResponseBytes = a.ResponseBytes + b.ResponseBytes,
        Latency = a.Latency.Add(b.Latency),
    };
}
