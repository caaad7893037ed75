using System.Diagnostics;
using Proxy.Errors;

namespace Proxy.Telemetry;

/// <summary>
/// The proxy's <see cref="ActivitySource"/>: one activity per request, named <c>proxy.request</c>, child of the server's
/// (which continues the client's <c>traceparent</c>) and parent of the upstream call's, so the upstream receives the
/// client's trace id with the proxy's span as its parent. Made only when an exporter listens (the Functions app with
/// Azure Monitor); without one, the upstream's parent is the server's span, and the trace id is the client's all the same.
/// </summary>
public static class ProxyTracing
{
    public const string SourceName = "Proxy";

    /// <summary>The proxy's request id (the response's <c>x-request-id</c>): what finds a trace from a client's report.</summary>
    internal const string RequestIdTag = "proxy.request_id";

    private static readonly ActivitySource s_source = new(SourceName);

    internal static Activity? StartRequest(string requestId)
    {
        if (!s_source.HasListeners())
        {
            return null;
        }

        var activity = s_source.StartActivity("proxy.request", ActivityKind.Internal);
        activity?.SetTag(RequestIdTag, requestId);
        return activity;
    }

    /// <summary>
    /// The answer's status, and for a failure its kind; the span's status is an error for a 5xx only, as OpenTelemetry's
    /// conventions have it for a server: a 4xx is the client's mistake, not the proxy's.
    /// </summary>
    internal static void Complete(Activity? activity, int statusCode, FailureKind? failure)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(MetricTagValues.StatusCode, MetricTagValues.Status(statusCode));
        if (failure is { } kind)
        {
            activity.SetTag(MetricTagValues.ErrorType, MetricTagValues.Kind(kind));
        }

        if (statusCode >= 500)
        {
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }
}
