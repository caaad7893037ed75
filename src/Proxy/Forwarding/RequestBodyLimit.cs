using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Proxy.Errors;

namespace Proxy.Forwarding;

/// <summary>
/// Holds a request body to the configured size: refused at once when its Content-Length says it is too big,
/// cut off by the server when a chunked body grows past the limit while it streams.
/// </summary>
internal static class RequestBodyLimit
{
    public static ProxyError? Apply(HttpContext context, long maxRequestBodySize)
    {
        if (context.Request.ContentLength > maxRequestBodySize)
        {
            return ErrorCatalog.PayloadTooLarge(maxRequestBodySize);
        }

        var limitFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (limitFeature is { IsReadOnly: false })
        {
            limitFeature.MaxRequestBodySize = maxRequestBodySize;
        }

        return null;
    }
}
