using System.Globalization;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Proxy.Quota;

/// <summary>
/// Keeps the counters' storage bounded. Counters live in one table per UTC day, so a day past the retention
/// period goes in one call that drops its table, with no scan and no per-row deletes.
/// </summary>
public sealed partial class QuotaRetention(
    TableServiceClient tableService, IOptions<QuotaOptions> options, TimeProvider timeProvider, ILogger<QuotaRetention> logger)
{
    private readonly QuotaOptions _options = options.Value;

    /// <summary>Drops the counter tables of days before the retention period; returns their names.</summary>
    public async Task<IReadOnlyList<string>> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        var today = QuotaWindow.Containing(timeProvider.GetUtcNow()).Start.Date;
        var oldestKept = QuotaWindow.Containing(new DateTimeOffset(today, TimeSpan.Zero).AddDays(1 - _options.RetentionDays)).TableName(_options.TablePrefix);
        var prefix = _options.TablePrefix;

        var expired = new List<string>();
        var filter = TableClient.CreateQueryFilter($"TableName ge {prefix} and TableName lt {oldestKept}");
        await foreach (var table in tableService.QueryAsync(filter, cancellationToken: cancellationToken))
        {
            var date = table.Name.AsSpan(prefix.Length);
            if (date.Length == 8 && DateTime.TryParseExact(date, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                expired.Add(table.Name);
            }
        }

        foreach (var name in expired)
        {
            await tableService.DeleteTableAsync(name, cancellationToken);
            DroppedTable(logger, name);
        }

        return expired;
    }

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Dropped expired quota table {TableName}")]
    private static partial void DroppedTable(ILogger logger, string tableName);
}
