using Microsoft.Extensions.Logging;

namespace Proxy.Tiers;

internal static partial class TierLog
{
    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Tiers in effect: {Tiers} (from table {TableName})")]
    public static partial void InEffect(ILogger logger, string tiers, string tableName);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information,
        Message = "Table {TableName} had no tiers; filled it from Proxy__Quota__* settings: {Tiers}")]
    public static partial void Seeded(ILogger logger, string tableName, string tiers);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning,
        Message = "{Setting} ({Given}) is not in force: the tiers table {TableName} has {InTable}, and once filled the table holds the limits " +
            "for every instance and proxy-cli. To change it: {Command}")]
    public static partial void SettingOverridden(ILogger logger, string setting, string given, string tableName, string inTable, string command);
}
