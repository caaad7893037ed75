using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.WebUtilities;

namespace Proxy.Errors;

/// <summary>
/// The one mapping from a failure kind to the status and message a client sees. The proxy's own
/// messages follow the AI/ML API's documented ones, so that a client cannot tell which side refused.
/// </summary>
public static class ErrorCatalog
{
    /// <summary>The AI/ML API's documented 401 message, verbatim.</summary>
    public const string InvalidApiKeyMessage =
        "This request requires a valid API key. You can create a new API key on the Billing page: https://aimlapi.com/app/keys";

    /// <summary>The AI/ML API's documented free-tier 429 message, verbatim.</summary>
    public const string FreeTierLimitMessage =
        "Free-tier limit: You've reached your free limit for the hour. Get AI/ML Subscription to use API, visit https://aimlapi.com/app/billing/ !";

    /// <summary>nginx's status for a client that closed the connection first; no client ever receives it.</summary>
    public const int StatusCodeClientClosedRequest = 499;

    public static ProxyError BadRequest(string detail) =>
        new(FailureKind.BadRequest, StatusCodes.Status400BadRequest, $"Bad Request: {detail}", "invalid_request_error", "bad_request");

    /// <summary>
    /// A request the server refused before the proxy read it, with the status the server chose: malformed HTTP/1.1
    /// (400), a request line or headers over its limits (414, 431), a target the method cannot have (405), headers
    /// that did not arrive in time (408). The server does not say which rule it broke, so neither can the message.
    /// </summary>
    public static ProxyError ServerRejection(int statusCode, KestrelServerLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var (message, code) = statusCode switch
        {
            StatusCodes.Status400BadRequest =>
                ("Bad Request: the request is not valid HTTP/1.1 (its request line, a header, or how its body is framed).", "bad_request"),
            StatusCodes.Status405MethodNotAllowed =>
                ("Method Not Allowed: this request target cannot be used with this method.", "method_not_allowed"),
            StatusCodes.Status408RequestTimeout =>
                ($"Request Timeout: the request headers did not arrive within {limits.RequestHeadersTimeout.TotalSeconds:0.###} seconds.", "request_timeout"),
            StatusCodes.Status414UriTooLong =>
                ($"URI Too Long: the request line is over the limit of {limits.MaxRequestLineSize} bytes.", "uri_too_long"),
            StatusCodes.Status431RequestHeaderFieldsTooLarge =>
                ($"Request Header Fields Too Large: the headers are over the limit of {limits.MaxRequestHeadersTotalSize} bytes " +
                 $"or {limits.MaxRequestHeaderCount} fields.", "request_header_fields_too_large"),
            _ => ($"{DefaultMessage(statusCode)}: the request was refused before the proxy read it.", "bad_request"),
        };
        return new(FailureKind.BadRequest, statusCode, message, "invalid_request_error", code);
    }

    public static ProxyError Unauthorized() =>
        new(FailureKind.Unauthorized, StatusCodes.Status401Unauthorized, InvalidApiKeyMessage, "authentication_error", "invalid_api_key");

    public static ProxyError Forbidden(string detail) =>
        new(FailureKind.Forbidden, StatusCodes.Status403Forbidden, $"Forbidden: {detail}", "permission_error", "forbidden");

    public static ProxyError NotFound(string detail) =>
        new(FailureKind.NotFound, StatusCodes.Status404NotFound, $"Not Found: {detail}", "invalid_request_error", "not_found");

    public static ProxyError PayloadTooLarge(long limitBytes) =>
        new(FailureKind.PayloadTooLarge, StatusCodes.Status413PayloadTooLarge,
            $"Payload Too Large: the request body is over the limit of {limitBytes} bytes.", "invalid_request_error", "payload_too_large");

    public static ProxyError QuotaExceeded(string message) =>
        new(FailureKind.QuotaExceeded, StatusCodes.Status429TooManyRequests, message, "rate_limit_error", "quota_exceeded");

    /// <summary>
    /// The client went away before the answer was complete. Nobody reads this response; the status is
    /// nginx's 499 so that records and logs can tell it from the upstream's own failures.
    /// </summary>
    public static ProxyError ClientAborted() =>
        new(FailureKind.ClientAborted, StatusCodeClientClosedRequest, "Client Closed Request: the client went away before the response was complete.",
            "client_error", "client_aborted");

    /// <summary>An error event inside a stream whose 200 status line has already gone out.</summary>
    public static ProxyError StreamError(string? upstreamMessage) =>
        new(FailureKind.StreamError, StatusCodes.Status200OK, upstreamMessage ?? "Stream error: the upstream sent an error event inside the stream.",
            "server_error", "stream_error");

    /// <summary>A request admitted uncounted because Table storage could not count it (fail-open), with the status it got.</summary>
    public static ProxyError QuotaStoreUnavailable(int statusCode) =>
        new(FailureKind.QuotaStoreUnavailable, statusCode, "Quota store unavailable: the request was admitted uncounted.", "server_error", "quota_store_unavailable");

    public static ProxyError Internal() =>
        new(FailureKind.Internal, StatusCodes.Status500InternalServerError, "Internal server error", "server_error", "internal");

    public static ProxyError UpstreamUnreachable(string detail) =>
        new(FailureKind.UpstreamUnreachable, StatusCodes.Status502BadGateway, $"Bad Gateway: {detail}", "server_error", "upstream_unreachable");

    public static ProxyError ServiceUnavailable() =>
        new(FailureKind.QuotaStoreUnavailable, StatusCodes.Status503ServiceUnavailable, "Service unavailable", "server_error", "service_unavailable");

    /// <summary>
    /// Shed by the quota: too many counter writes in flight, most likely a burst of new keys. The contract's 503 for a proxy
    /// that sheds load (not a 429: the client's own hour is not used up), with <c>Retry-After: 1</c> from the lease.
    /// </summary>
    public static ProxyError Overloaded() =>
        new(FailureKind.Overloaded, StatusCodes.Status503ServiceUnavailable, "Service unavailable", "server_error", "overloaded");

    public static ProxyError UpstreamTimeout(TimeSpan timeout) =>
        new(FailureKind.UpstreamTimeout, StatusCodes.Status504GatewayTimeout,
            $"Gateway Timeout: the upstream sent nothing for {timeout.TotalSeconds:0.###} seconds.", "server_error", "upstream_timeout");

    /// <summary>An error the upstream answered: its status and message are kept, only the shape changes.</summary>
    public static ProxyError Upstream(int statusCode, UpstreamErrorDetails details) =>
        new(FailureKind.UpstreamError, statusCode,
            details.Message ?? DefaultMessage(statusCode),
            details.Type ?? DefaultType(statusCode),
            details.Code);

    /// <summary>The message for an upstream error that carried none: the status's reason phrase.</summary>
    private static string DefaultMessage(int statusCode)
    {
        var phrase = ReasonPhrases.GetReasonPhrase(statusCode);
        return phrase.Length > 0 ? phrase : $"Upstream error {statusCode}";
    }

    private static string DefaultType(int statusCode) => statusCode switch
    {
        StatusCodes.Status401Unauthorized => "authentication_error",
        StatusCodes.Status403Forbidden => "permission_error",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };
}
