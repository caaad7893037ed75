using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace Proxy.Failures;

/// <summary>The <c>failures</c> table: queued records archived for analysis, and read back by time range.</summary>
public sealed class FailureArchive(TableServiceClient tableService, IOptions<FailureOptions> options)
{
    private static readonly SearchValues<char> s_notInRowKey = SearchValues.Create(
        "/\\#?" + string.Concat(Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(code => (char)code)));

    private readonly TableClient _table = tableService.GetTableClient(options.Value.TableName);

    /// <summary>Parses a queue message; throws <see cref="MalformedFailureMessageException"/> when it is not a record.</summary>
    public static FailureRecord Parse(string message)
    {
        FailureRecord? record;
        try
        {
            record = JsonSerializer.Deserialize(message, FailureJsonContext.Default.FailureRecord);
        }
        catch (JsonException e)
        {
            throw new MalformedFailureMessageException("The message is not a failure record.", e);
        }

        if (record is null || string.IsNullOrEmpty(record.RequestId) || !DateTimeOffset.TryParse(record.Timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
        {
            throw new MalformedFailureMessageException("The message lacks a request id or a timestamp.");
        }

        // The request id is the row key, which Table storage refuses with these characters in it; the proxy's ids are UUIDs.
        if (record.RequestId.Length > FailureRecordBounds.MaxIdLength || record.RequestId.AsSpan().ContainsAny(s_notInRowKey))
        {
            throw new MalformedFailureMessageException("The message's request id cannot be a row key.");
        }

        return record;
    }

    /// <summary>
    /// Archives one queue message. Archiving the same record twice leaves one row. The record is bounded again, so that
    /// one from an older proxy or another writer still fits the table's limits instead of ending in the poison queue.
    /// </summary>
    public async Task ArchiveAsync(string message, CancellationToken cancellationToken = default)
    {
        var record = FailureRecordBounds.Apply(Parse(message));
        var occurredAt = DateTimeOffset.Parse(record.Timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var entity = FailureEntity.From(record, occurredAt);
        try
        {
            await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            await _table.CreateIfNotExistsAsync(cancellationToken);
            await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        }
    }

    /// <summary>
    /// Archived records of failures from <paramref name="from"/> (included) to <paramref name="until"/> (excluded): a range
    /// query over the hour partitions, so an older window reads only its own hours.
    /// </summary>
    public async Task<IReadOnlyList<FailureRecord>> ReadBetweenAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        var first = FailureEntity.PartitionOf(from);
        var last = FailureEntity.PartitionOf(until);
        var records = new List<FailureRecord>();
        try
        {
            await foreach (var entity in _table.QueryAsync<FailureEntity>(entity => entity.PartitionKey.CompareTo(first) >= 0 && entity.PartitionKey.CompareTo(last) <= 0, cancellationToken: cancellationToken))
            {
                var record = entity.ToRecord();
                var occurredAt = DateTimeOffset.Parse(record.Timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                if (occurredAt >= from && occurredAt < until)
                {
                    records.Add(record);
                }
            }
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
        }

        return records;
    }

    /// <summary>
    /// Rows written at or after <paramref name="archivedSince"/> (the table's own write time, so a record that sat on the
    /// queue is found when it arrives, not when it happened), of failures from <paramref name="occurredSince"/> on: what a
    /// live view polls for. Oldest write first.
    /// </summary>
    public async Task<IReadOnlyList<ArchivedFailure>> ReadArchivedSinceAsync(DateTimeOffset archivedSince, DateTimeOffset occurredSince, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {FailureEntity.PartitionOf(occurredSince)} and Timestamp ge {archivedSince.ToUniversalTime()}");
        var rows = new List<ArchivedFailure>();
        try
        {
            await foreach (var entity in _table.QueryAsync<FailureEntity>(filter, cancellationToken: cancellationToken))
            {
                rows.Add(new ArchivedFailure(entity.PartitionKey + "/" + entity.RowKey, entity.Timestamp ?? archivedSince, entity.ToRecord()));
            }
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
        }

        return [.. rows.OrderBy(row => row.ArchivedAt)];
    }

    /// <summary>
    /// The archived records of one request (its failure, and its uncounted admission if it had one); the id does
    /// not say its hour, so this scans for rows with that key.
    /// </summary>
    public async Task<IReadOnlyList<FailureRecord>> FindAsync(string requestId, CancellationToken cancellationToken = default)
    {
        var uncounted = requestId + FailureEntity.UncountedSuffix;
        var records = new List<FailureRecord>();
        try
        {
            await foreach (var entity in _table.QueryAsync<FailureEntity>(entity => entity.RowKey == requestId || entity.RowKey == uncounted, cancellationToken: cancellationToken))
            {
                records.Add(entity.ToRecord());
            }
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
        }

        return records;
    }
}
