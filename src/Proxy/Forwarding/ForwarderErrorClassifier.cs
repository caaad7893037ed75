using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.AspNetCore.Http;
using Proxy.Errors;
using Yarp.ReverseProxy.Forwarder;

namespace Proxy.Forwarding;

/// <summary>
/// Turns YARP's <see cref="ForwarderError"/> (the stage and the side that failed) into the proxy's failure,
/// as YARP's own <c>HttpForwarder.HandleRequestFailureAsync</c> does for status codes.
/// </summary>
internal static class ForwarderErrorClassifier
{
    public static ProxyError Classify(
        ForwarderError error, Exception? exception, HttpContext context, UpstreamOptions upstream, long maxRequestBodySize)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            return ErrorCatalog.ClientAborted();
        }

        return error switch
        {
            ForwarderError.RequestTimedOut or ForwarderError.UpgradeActivityTimeout => ErrorCatalog.UpstreamTimeout(upstream.Timeout),

            // Canceled without the client going away: the activity timeout fired while a body was flowing. A
            // request body that stops is the client's doing; a response body that stops is the upstream's.
            ForwarderError.RequestBodyCanceled => ErrorCatalog.BadRequest(
                $"the request body stalled for more than {upstream.Timeout.TotalSeconds:0.###} seconds."),
            ForwarderError.ResponseBodyCanceled => ErrorCatalog.UpstreamTimeout(upstream.Timeout),

            ForwarderError.RequestBodyClient => FromClientBody(exception, maxRequestBodySize),

            ForwarderError.RequestCanceled or ForwarderError.ResponseBodyClient or ForwarderError.UpgradeRequestClient
                or ForwarderError.UpgradeResponseClient or ForwarderError.UpgradeRequestCanceled
                or ForwarderError.UpgradeResponseCanceled => ErrorCatalog.ClientAborted(),

            ForwarderError.RequestBodyDestination => ErrorCatalog.UpstreamUnreachable("the upstream stopped reading the request body."),

            ForwarderError.ResponseBodyDestination or ForwarderError.UpgradeResponseDestination
                => ErrorCatalog.UpstreamUnreachable("the upstream broke off its response."),

            ForwarderError.RequestCreation => ErrorCatalog.BadRequest("the request cannot be forwarded as sent."),

            _ => ErrorCatalog.UpstreamUnreachable(DescribeUnreachable(exception)),
        };
    }

    /// <summary>The client's body failed while the client is still there: too large, malformed, or stalled.</summary>
    private static ProxyError FromClientBody(Exception? exception, long maxRequestBodySize)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                return ErrorCatalog.PayloadTooLarge(maxRequestBodySize);
            }
        }

        return ErrorCatalog.BadRequest("the request body could not be read: it was malformed, or stopped arriving.");
    }

    private static string DescribeUnreachable(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException request)
            {
                return request.HttpRequestError switch
                {
                    HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError => "the upstream could not be reached.",
                    HttpRequestError.SecureConnectionError => "the TLS handshake with the upstream failed.",
                    HttpRequestError.ResponseEnded => "the upstream closed the connection before answering.",
                    HttpRequestError.InvalidResponse => "the upstream sent an invalid response.",
                    _ => "the upstream did not answer properly.",
                };
            }

            if (e is TimeoutException)
            {
                return "the connection to the upstream timed out.";
            }
        }

        return "the upstream did not answer properly.";
    }

    /// <summary>
    /// The class of a failure to reach the upstream, for the operator's log line: the socket's error
    /// (<c>ConnectionRefused</c>, <c>HostNotFound</c>, <c>TimedOut</c>, <c>ConnectionReset</c>, …), <c>TlsFailure</c>, else
    /// what the HTTP client made of it (<c>ResponseEnded</c>, <c>InvalidResponse</c>, …). Only enum names: never an
    /// exception's message, which can carry a host's answer or the request's details.
    /// </summary>
    public static string ErrorClassOf(Exception? exception)
    {
        HttpRequestError? httpError = null;
        var timedOut = false;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException socket:
                    return socket.SocketErrorCode.ToString();
                case AuthenticationException:
                    return "TlsFailure";
                case HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } request:
                    httpError ??= request.HttpRequestError;
                    break;
                case HttpIOException { HttpRequestError: not HttpRequestError.Unknown } io:
                    httpError ??= io.HttpRequestError;
                    break;
                case TimeoutException:
                    timedOut = true;
                    break;
            }
        }

        return timedOut ? nameof(SocketError.TimedOut)
            : httpError == HttpRequestError.SecureConnectionError ? "TlsFailure"
            : httpError?.ToString() ?? "Unknown";
    }
}
