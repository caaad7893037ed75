using System.Buffers;
using Microsoft.AspNetCore.Http;
using Proxy.Errors;
using Proxy.Requests;

namespace Proxy.Forwarding;

/// <summary>
/// Refuses headers that Kestrel lets through but a careful proxy must not pass on: control characters in a value
/// (RFC 9110 section 5.5 forbids them), and a body framed two ways at once (RFC 9112 section 6.3: "ought to be
/// handled as an error"), the shape of a request-smuggling attempt.
/// </summary>
internal static class RequestHeaderPolicy
{
    /// <summary>Where Kestrel moves the Content-Length of a request that also has Transfer-Encoding; it closes the connection after.</summary>
    private const string DisplacedContentLength = "X-Content-Length";

    // Tab is allowed inside field values; every other C0 control and DEL is not.
    private static readonly SearchValues<char> s_controlCharacters = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\n\u000B\f\r\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F");

    public static ProxyError? Check(HttpRequest request)
    {
        if (request.Headers.TransferEncoding.Count > 0 && request.Headers.ContainsKey(DisplacedContentLength))
        {
            return ErrorCatalog.BadRequest("the request has both Transfer-Encoding and Content-Length; send one.");
        }

        // The one pass over the request's headers also notes whether any of them is one UpstreamRequestHeaders takes
        // out, so that it need not enumerate them again (each enumeration of IHeaderDictionary boxes its enumerator).
        var carriesNotForwarded = false;
        foreach (var header in request.Headers)
        {
            carriesNotForwarded = carriesNotForwarded || UpstreamRequestHeaders.IsRemoved(header.Key);
            foreach (var value in header.Value)
            {
                if (value is not null && value.AsSpan().ContainsAny(s_controlCharacters))
                {
                    return ErrorCatalog.BadRequest("a header value contains control characters.");
                }
            }
        }

        ProxyRequestFeature.Get(request.HttpContext).CarriesHeadersNotForwarded = carriesNotForwarded;
        return null;
    }
}
