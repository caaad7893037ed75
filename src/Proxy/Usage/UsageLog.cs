using Microsoft.Extensions.Logging;

namespace Proxy.Usage;

internal static partial class UsageLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Warning,
        Message = "Usage ledger full ({Capacity} key-hours in memory): {Uncounted} requests not counted in the ledger so far")]
    public static partial void Full(ILogger logger, int capacity, long uncounted);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning,
        Message = "Usage ledger flush failed ({Cause}); {Pending} key-hours are written again in {DelayMs} ms")]
    public static partial void FlushFailed(ILogger logger, string cause, int pending, long delayMs);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error,
        Message = "Usage ledger: shutdown flush did not finish ({Cause}); {Lost} key-hours' latest counts were not written")]
    public static partial void LostOnShutdown(ILogger logger, string cause, int lost);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Deleted {Rows} usage rows of hours before {OldestKept}")]
    public static partial void Purged(ILogger logger, int rows, string oldestKept);
}
