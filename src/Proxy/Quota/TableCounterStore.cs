using System.Net;
using Azure;
using Azure.Data.Tables;
using Proxy.Storage;

namespace Proxy.Quota;

/// <summary>
/// The counter rows in Azure Table storage. A row holds <c>Count</c> (requests), <c>Tokens</c> (charged), <c>Reserved</c>
/// (tokens reserved by requests in flight), and one property per process
/// that wrote it this hour, <c>w&lt;writer&gt;</c>, the sequence number of its last write. A write merges its counts and its
/// own sequence number into the row, so every other process's number stays as it was. The first count of a UTC day
/// creates that day's table, and the call goes again.
/// </summary>
internal sealed class TableCounterStore(TableServiceClient tableService) : ICounterStore
{
    private const string CountProperty = "Count";
    private const string TokensProperty = "Tokens";
    private const string ReservedProperty = "Reserved";

    // The store's error code for a table that does not exist, as against a row that does not (ResourceNotFound).
    private const string TableNotFound = "TableNotFound";

    public async Task<StoredCounter?> ReadAsync(CounterRowAddress address, string writer, CancellationToken cancellationToken)
    {
        var response = await tableService.GetTableClient(address.Table).GetEntityIfExistsAsync<TableEntity>(
            address.Partition, address.Row, [CountProperty, TokensProperty, ReservedProperty, SequenceProperty(writer)], cancellationToken);
        if (!response.HasValue || response.Value is not { } entity)
        {
            return null;
        }

        return new StoredCounter(
            new CounterUnits(entity.GetInt64(CountProperty) ?? 0, entity.GetInt64(TokensProperty) ?? 0, entity.GetInt64(ReservedProperty) ?? 0),
            entity.ETag, entity.GetInt64(SequenceProperty(writer)) ?? 0);
    }

    public async Task<CounterWriteResult[]> SubmitAsync(string table, string partition, IReadOnlyList<CounterWrite> writes, CancellationToken cancellationToken)
    {
        var client = tableService.GetTableClient(table);
        try
        {
            return await SubmitToAsync(client, partition, writes, cancellationToken);
        }
        catch (RequestFailedException e) when (e.ErrorCode == TableNotFound)
        {
            await client.CreateIfNotExistsAsync(cancellationToken);
            return await SubmitToAsync(client, partition, writes, cancellationToken);
        }
    }

    public Task ProbeAsync(CancellationToken cancellationToken) => StorageProbe.ListOneTableAsync(tableService, cancellationToken);

    private static async Task<CounterWriteResult[]> SubmitToAsync(TableClient client, string partition, IReadOnlyList<CounterWrite> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 1)
        {
            return [await WriteAloneAsync(client, partition, writes[0], cancellationToken)];
        }

        try
        {
            var actions = writes.Select(write => write.IfMatch is { } etag
                ? new TableTransactionAction(TableTransactionActionType.UpdateMerge, Entity(partition, write), etag)
                : new TableTransactionAction(TableTransactionActionType.Add, Entity(partition, write)));
            var responses = (await client.SubmitTransactionAsync(actions, cancellationToken)).Value;
            return [.. writes.Select((_, index) => new CounterWriteResult(CounterWriteStatus.Written, responses[index].Headers.ETag ?? default))];
        }
        catch (TableTransactionFailedException e) when (e.FailedTransactionActionIndex is { } failed && failed < writes.Count && IsLostCondition(e, writes[failed]))
        {
            // Nothing of the transaction was applied: the write that lost its condition is answered, the others go again.
            return [.. writes.Select((_, index) => index == failed ? CounterWriteResult.Lost : CounterWriteResult.NotApplied)];
        }
        catch (TableTransactionFailedException e) when (e.ErrorCode != TableNotFound && e.Status is (int)HttpStatusCode.Conflict
            or (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.NotFound)
        {
            // A lost condition the store did not say the index of: nothing was applied, and each write goes again alone.
            var results = new CounterWriteResult[writes.Count];
            for (var i = 0; i < writes.Count; i++)
            {
                results[i] = await WriteAloneAsync(client, partition, writes[i], cancellationToken);
            }

            return results;
        }
    }

    private static async Task<CounterWriteResult> WriteAloneAsync(TableClient client, string partition, CounterWrite write, CancellationToken cancellationToken)
    {
        try
        {
            var response = write.IfMatch is { } etag
                ? await client.UpdateEntityAsync(Entity(partition, write), etag, TableUpdateMode.Merge, cancellationToken)
                : await client.AddEntityAsync(Entity(partition, write), cancellationToken);
            return new CounterWriteResult(CounterWriteStatus.Written, response.Headers.ETag ?? default);
        }
        catch (RequestFailedException e) when (e.ErrorCode != TableNotFound && IsLostCondition(e, write))
        {
            return CounterWriteResult.Lost;
        }
    }

    private static TableEntity Entity(string partition, CounterWrite write) => new(partition, write.Row)
    {
        [CountProperty] = write.Counts.Requests,
        [TokensProperty] = write.Counts.Tokens,
        [ReservedProperty] = write.Counts.Reserved,
        [SequenceProperty(write.Writer)] = write.Sequence,
    };

    private static string SequenceProperty(string writer) => "w" + writer;

    /// <summary>Another writer was first: the row exists for an insert, or has another ETag or is gone for a merge.</summary>
    private static bool IsLostCondition(RequestFailedException e, CounterWrite write) =>
        write.IfMatch is null
            ? e.Status == (int)HttpStatusCode.Conflict
            : e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.NotFound;
}
