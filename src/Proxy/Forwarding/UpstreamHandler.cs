using System.Diagnostics;
using System.Net;
using System.Text;
using Yarp.ReverseProxy.Forwarder;

namespace Proxy.Forwarding;

/// <summary>
/// The handler every upstream call goes through. Public so that the benchmark's bare YARP forwarder runs on exactly
/// these settings: what it measures beside the proxy is then the proxy's own code, not a different connection pool.
/// </summary>
public static class UpstreamHandler
{
    /// <summary>A new handler; its owner disposes it.</summary>
    public static SocketsHttpHandler Create(TimeSpan connectTimeout) => new()
    {
        // As YARP's direct-forwarding sample: no proxy, no redirects, no cookies, no decompression
        // (bodies pass through as the upstream encoded them), and trace context passed on, not duplicated.
        // Header values keep their bytes both ways: a request header Kestrel decoded as UTF-8 goes upstream as the
        // same UTF-8 bytes (the handler's default refuses anything but ASCII, which made a 502 of a header such as
        // "X-User: café"), and each byte of a response header becomes one char (Latin-1), so that the cleaning in
        // UpstreamResponseHeaders shows exactly the bytes the upstream sent.
        RequestHeaderEncodingSelector = static (_, _) => Encoding.UTF8,
        ResponseHeaderEncodingSelector = static (_, _) => Encoding.Latin1,
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ConnectTimeout = connectTimeout,
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
    };
}
