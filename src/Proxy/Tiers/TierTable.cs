using System.Net;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Proxy.Quota;

namespace Proxy.Tiers;

/// <summary>
/// The tiers table: the one source of tiers and limits for every proxy instance and the CLI. A fresh deployment's table is
/// filled on its first read, by whichever reads it first, from that reader's settings (<see cref="QuotaOptions.DefaultTiers"/>).
/// </summary>
public sealed class TierTable(TableServiceClient tableService, IOptions<TierOptions> options, IOptions<QuotaOptions> quotaOptions)
{
    private readonly TableClient _table = tableService.GetTableClient(options.Value.TableName);

    public string Name => _table.Name;

    /// <summary>
    /// Every tier. A table without the free tier has never been filled (the free tier cannot be removed), so this read fills it
    /// first: each of the settings' tiers is added only if absent, so that concurrent first readers, and a tier set by hand
    /// before, are never overwritten. The free tier goes in last, so that a read stopped halfway fills the rest next time.
    /// </summary>
    public async Task<TierTableRead> ReadAsync(CancellationToken cancellationToken = default)
    {
        var tiers = await ListAsync(cancellationToken);
        if (tiers.Any(tier => TierLimits.IsFree(tier.Name)))
        {
            return new TierTableRead(tiers, []);
        }

        await _table.CreateIfNotExistsAsync(cancellationToken);
        var seeded = new List<TierRecord>();
        foreach (var tier in quotaOptions.Value.DefaultTiers().OrderBy(tier => TierLimits.IsFree(tier.Name)))
        {
            try
            {
                await _table.AddEntityAsync(TierEntity.From(tier), cancellationToken);
                seeded.Add(tier);
            }
            catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.Conflict)
            {
            }
        }

        return new TierTableRead(await ListAsync(cancellationToken), seeded);
    }

    /// <summary>Adds <paramref name="tier"/>, or changes its limit.</summary>
    public async Task SetAsync(TierRecord tier, CancellationToken cancellationToken = default)
    {
        await _table.CreateIfNotExistsAsync(cancellationToken);
        await _table.UpsertEntityAsync(TierEntity.From(tier), TableUpdateMode.Replace, cancellationToken);
    }

    public async Task RemoveAsync(string name, CancellationToken cancellationToken = default) =>
        await _table.DeleteEntityAsync(name, string.Empty, ETag.All, cancellationToken);

    private async Task<List<TierRecord>> ListAsync(CancellationToken cancellationToken)
    {
        var tiers = new List<TierRecord>();
        try
        {
            await foreach (var entity in _table.QueryAsync<TierEntity>(cancellationToken: cancellationToken))
            {
                tiers.Add(entity.ToRecord());
            }
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
        }

        return tiers;
    }
}
