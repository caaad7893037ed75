using Microsoft.Extensions.Logging;

namespace Proxy.Storage;

internal static partial class StorageLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Warning,
        Message = "Table storage did not answer; requests skip it until a probe finds it back")]
    public static partial void CircuitOpened(ILogger logger);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Table storage answers again; counting resumes")]
    public static partial void CircuitClosed(ILogger logger);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error,
        Message = "Table storage at {Endpoint} has not answered since start ({Cause}): check AzureWebJobsStorage. Until it answers, {Effect}")]
    public static partial void NeverAnswered(ILogger logger, string endpoint, string cause, string effect);
}
