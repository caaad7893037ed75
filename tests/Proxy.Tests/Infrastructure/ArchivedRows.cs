using Azure.Data.Tables;

namespace Proxy.Tests.Infrastructure;

/// <summary>What the failure archive holds for a request: its rows, counted as an operator's query would find them.</summary>
internal static class ArchivedRows
{
    /// <summary>The rows keyed by <paramref name="requestId"/>; none while the table does not exist yet.</summary>
    public static async Task<int> CountAsync(TableClient table, string requestId)
    {
        var rows = 0;
        try
        {
            await foreach (var _ in table.QueryAsync<TableEntity>(entity => entity.RowKey == requestId))
            {
                rows++;
            }
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
        }

        return rows;
    }
}
