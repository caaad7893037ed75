using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Proxy.Requests;

/// <summary>
/// Under the Functions host, reads what is left of a refused request's body after the answer is written. The host has
/// already read the body whole and sends it on to the worker; a worker that answers without reading it makes its
/// Kestrel close the connection mid-body, and the host then replaces the documented answer with its own bare 500.
/// The host's own limit bounds what this reads.
/// </summary>
internal static class RefusedRequestBody
{
    public static async Task DrainAsync(HttpContext context, long hostLimit)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // The proxy's own limit refused it; only the host's applies to what is discarded.
            limit.MaxRequestBodySize = hostLimit;
        }

        try
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
            // The host gave up on the body, or it was over the host's limit after all: the answer is already sent.
        }
    }
}
