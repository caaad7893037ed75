using Microsoft.Extensions.Logging;

namespace Proxy;

/// <summary>
/// The proxy's log events. Arguments never carry a key, a header value, a body or an exception:
/// a stack trace can hold any of them.
/// </summary>
internal static partial class ProxyLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Error,
        Message = "Request {RequestId} {Method} {Path} hit an unhandled fault in the proxy")]
    public static partial void UnhandledFault(ILogger logger, string requestId, string method, string path);
}
