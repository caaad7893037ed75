using Microsoft.Extensions.Logging;

namespace Proxy.Tiers;

internal static partial class TierLog
{
    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Tiers in effect: {Tiers} (from table {TableName})")]
    public static partial void InEffect(ILogger logger, string tiers, string tableName);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information,
        Message = "Table {TableName} had no tiers; filled it from Proxy__Quota__* settings: {Tiers}")]
    public static partial void Seeded(ILogger logger, string tableName, string tiers);
}
