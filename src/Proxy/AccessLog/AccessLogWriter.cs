using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy.Auth;
using Proxy.Failures;
using Proxy.Requests;

namespace Proxy.AccessLog;

/// <summary>
/// Writes the access line (event 1200) of every request the handler saw, once its answer is complete: success or
/// failure, streamed or not. The fields are the failure record's, escaped and cut by the same bounds, and never the
/// query string, which may carry a key.
/// </summary>
internal sealed class AccessLogWriter(IOptions<AccessLogOptions> options, TimeProvider timeProvider, ILogger<AccessLogWriter> logger)
{
    private static readonly EventId s_event = new(1200, "Request");

    private readonly bool _enabled = options.Value.Enabled;

    public void Write(HttpContext context, ProxyRequestFeature request)
    {
        // Checked first, so that a disabled log costs the request nothing but this test.
        if (!_enabled || !logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        // The proxy's error wins over the response's status: a client that left gets its 499, as in its record, and a
        // response broken off after its status line went out is shown as the failure it was.
        var statusCode = request.AnsweredStatusCode(context);
        var durationMs = (long)timeProvider.GetElapsedTime(request.StartTimestamp).TotalMilliseconds;
        var model = request.NamedModel();
        var line = new LogLine<AccessLogLine>(new AccessLogLine(
            request.RequestId,
            FailureRecordBounds.Bound(context.Request.Method, FailureRecordBounds.MaxMethodLength),
            FailureRecordBounds.Bound(request.ClientPath, FailureRecordBounds.MaxPathLength),
            statusCode,
            durationMs,
            request.KeyId is { } keyId ? ApiKeyHash.Prefix(keyId) : null,
            request.Tier is { } tier ? FailureRecordBounds.Bound(tier, FailureRecordBounds.MaxWordLength) : null,
            model is null ? null : FailureRecordBounds.Bound(model, FailureRecordBounds.MaxModelLength),
            request.UpstreamStatusCode));
        logger.Log(LogLevel.Information, s_event, line, null, LogLine<AccessLogLine>.Format);
    }
}
