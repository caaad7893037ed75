using Microsoft.Extensions.Logging;
using Proxy.Errors;

namespace Proxy;

/// <summary>
/// The proxy's log events. Arguments never carry a key, a header value, a body or an exception:
/// a stack trace can hold any of them.
/// </summary>
internal static partial class ProxyLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning,
        Message = "Request {RequestId} {Method} {Path} failed: {Kind} ({StatusCode})")]
    public static partial void RequestFailed(ILogger logger, FailureKind kind, int statusCode, string requestId, string method, string path);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error,
        Message = "Request {RequestId} {Method} {Path} hit an unhandled fault in the proxy")]
    public static partial void UnhandledFault(ILogger logger, string requestId, string method, string path);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
        Message = "Request {RequestId} {Method} {Path} for key {KeyId} admitted uncounted: quota_store_unavailable")]
    public static partial void QuotaStoreUnavailable(ILogger logger, string requestId, string method, string path, string keyId);
}
