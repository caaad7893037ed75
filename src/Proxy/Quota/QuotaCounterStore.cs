using System.Net;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace Proxy.Quota;

/// <summary>
/// The counters in Table storage. Every write is conditional: an insert that fails with 409 or a replace that
/// fails with 412 means another request (in this process or another) wrote first, and nothing is overwritten.
/// </summary>
public sealed class QuotaCounterStore(TableServiceClient tableService, IOptions<QuotaOptions> options)
{
    private readonly string _tablePrefix = options.Value.TablePrefix;

    // One client per day's table, not one per call: a client is cheap to keep and not free to make on every admission.
    // Only today's is kept; around midnight a request of the day before makes its own again, which costs nothing more.
    private DayTable? _today;

    /// <summary>The count and its ETag, or null when no request has been counted in this window yet.</summary>
    public async Task<(long Count, ETag ETag)?> ReadAsync(string keyId, QuotaWindow window, CancellationToken cancellationToken = default)
    {
        var response = await Table(window).GetEntityIfExistsAsync<QuotaCounterEntity>(keyId, window.Id, cancellationToken: cancellationToken);
        return response.HasValue && response.Value is { } entity ? (entity.Count, entity.ETag) : null;
    }

    /// <summary>Writes the first count of a window; null when another writer created the row first (409).</summary>
    public async Task<ETag?> TryInsertAsync(string keyId, QuotaWindow window, long count, CancellationToken cancellationToken = default)
    {
        var entity = new QuotaCounterEntity { PartitionKey = keyId, RowKey = window.Id, Count = count };
        try
        {
            return await InsertAsync(window, entity, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.Conflict)
        {
            return null;
        }
    }

    /// <summary>Replaces the count if nobody changed it since <paramref name="ifMatch"/>; null when somebody did (412) or the row is gone.</summary>
    public async Task<ETag?> TryReplaceAsync(string keyId, QuotaWindow window, long count, ETag ifMatch, CancellationToken cancellationToken = default)
    {
        var entity = new QuotaCounterEntity { PartitionKey = keyId, RowKey = window.Id, Count = count };
        try
        {
            var response = await Table(window).UpdateEntityAsync(entity, ifMatch, TableUpdateMode.Replace, cancellationToken);
            return response.Headers.ETag;
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<ETag?> InsertAsync(QuotaWindow window, QuotaCounterEntity entity, CancellationToken cancellationToken)
    {
        var table = Table(window);
        try
        {
            return (await table.AddEntityAsync(entity, cancellationToken)).Headers.ETag;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            // The first count of a UTC day creates that day's table; every later one finds it.
            await table.CreateIfNotExistsAsync(cancellationToken);
            return (await table.AddEntityAsync(entity, cancellationToken)).Headers.ETag;
        }
    }

    private TableClient Table(QuotaWindow window)
    {
        var name = window.TableName(_tablePrefix);
        if (Volatile.Read(ref _today) is { } today && today.Name == name)
        {
            return today.Client;
        }

        var table = new DayTable(name, tableService.GetTableClient(name));
        Volatile.Write(ref _today, table);
        return table.Client;
    }

    private sealed record DayTable(string Name, TableClient Client);
}
