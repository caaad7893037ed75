using Microsoft.Extensions.Logging;

namespace Proxy.Auth;

internal static partial class TableCopyLog
{
    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "Table {TableName} could not be read ({Cause}); requests are served from {Served} until a read succeeds")]
    public static partial void ReadFailed(ILogger logger, string tableName, string cause, string served);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Table {TableName} is read again; changes made meanwhile apply now")]
    public static partial void ReadAgain(ILogger logger, string tableName);
}
