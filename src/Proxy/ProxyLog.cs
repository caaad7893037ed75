using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

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

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
        Message = "A request arrived on a connection without the proxy's connection middleware: requests Kestrel refuses by itself " +
            "get its bare status there. Another ConfigureEndpointDefaults call replaced the proxy's; see AddEdgeConnectionHandling")]
    public static partial void ConnectionMiddlewareMissing(ILogger logger);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning,
        Message = "Closed an idle client connection (one past its first-request grace period, the oldest new one amid a flood, else the longest-idle kept-alive one) to keep at most {MaxIdle} idle; {Closed} closed so far")]
    public static partial void IdleConnectionsClosed(ILogger logger, int maxIdle, long closed);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Error,
        Message = "Request {RequestId}: the proxy's {Step} step failed and was left out; the answer and the request's other bookkeeping went ahead")]
    public static partial void BookkeepingFault(ILogger logger, string requestId, string step);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning,
        Message = "Request {RequestId} got 502: upstream {UpstreamHost} failed with {ErrorClass} (forwarding stage {Stage})")]
    public static partial void UpstreamUnreachable(ILogger logger, string requestId, string upstreamHost, ForwarderError stage, string errorClass);
}
