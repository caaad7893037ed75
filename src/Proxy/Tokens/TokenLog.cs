using Microsoft.Extensions.Logging;

namespace Proxy.Tokens;

internal static partial class TokenLog
{
    [LoggerMessage(EventId = 5200, Level = LogLevel.Warning,
        Message = "Token limits: other instances' counts could not be read ({Cause}); the last known ones apply, read again in {DelayMs} ms")]
    public static partial void ReadFailed(ILogger logger, string cause, long delayMs);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning,
        Message = "Token limits: other instances' counts held for {Capacity} keys already; {Unread} requests judged on this process's count alone so far")]
    public static partial void CacheFull(ILogger logger, int capacity, long unread);
}
