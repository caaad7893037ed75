using System.Net;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace Proxy.Auth;

/// <summary>The keys table: what the proxy reads and the operator's CLI writes.</summary>
public sealed class KeyTable(TableServiceClient tableService, IOptions<AuthOptions> options)
{
    private readonly TableClient _table = tableService.GetTableClient(options.Value.KeysTableName);

    public string Name => _table.Name;

    /// <summary>Every registered key; none when the table does not exist yet.</summary>
    public async Task<IReadOnlyList<KeyRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        var records = new List<KeyRecord>();
        try
        {
            await foreach (var entity in _table.QueryAsync<KeyEntity>(cancellationToken: cancellationToken))
            {
                records.Add(entity.ToRecord());
            }
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
        }

        return records;
    }

    /// <summary>Registers a key by its hash; fails if that hash is already registered.</summary>
    public async Task AddAsync(KeyRecord record, CancellationToken cancellationToken = default)
    {
        await _table.CreateIfNotExistsAsync(cancellationToken);
        await _table.AddEntityAsync(KeyEntity.From(record), cancellationToken);
    }

    /// <summary>Changes a key's record, unless someone else changed it since it was read.</summary>
    public async Task UpdateAsync(KeyRecord record, ETag ifMatch, CancellationToken cancellationToken = default) =>
        await _table.UpdateEntityAsync(KeyEntity.From(record), ifMatch, TableUpdateMode.Replace, cancellationToken);

    /// <summary>Removes a key's record, unless someone else changed it since it was read.</summary>
    public async Task DeleteAsync(KeyRecord record, ETag ifMatch, CancellationToken cancellationToken = default) =>
        await _table.DeleteEntityAsync(record.KeyId, string.Empty, ifMatch, cancellationToken);

    /// <summary>The key whose hash starts with <paramref name="keyIdPrefix"/>, with its ETag; null when none or several match.</summary>
    public async Task<(KeyRecord Record, ETag ETag)?> FindAsync(string keyIdPrefix, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyIdPrefix);
        // Key ids are lowercase hex, all below '~'.
        var upper = keyIdPrefix + '~';
        (KeyRecord, ETag)? found = null;
        try
        {
            await foreach (var entity in _table.QueryAsync<KeyEntity>(
                e => e.PartitionKey.CompareTo(keyIdPrefix) >= 0 && e.PartitionKey.CompareTo(upper) < 0, cancellationToken: cancellationToken))
            {
                if (found is not null)
                {
                    return null;
                }

                found = (entity.ToRecord(), entity.ETag);
            }
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
        }

        return found;
    }
}
