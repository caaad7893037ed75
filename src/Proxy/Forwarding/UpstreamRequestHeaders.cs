using System.Collections.Frozen;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Proxy.Requests;

namespace Proxy.Forwarding;

/// <summary>
/// Takes out of an upstream request what only the proxy's own hops should see: headers the Functions host
/// and the App Service front end add, forwarding headers a client could forge, the Functions key, and the
/// client's credentials when the proxy sends its own key; and asks for a metered key's answer uncompressed.
/// </summary>
internal static class UpstreamRequestHeaders
{
    private static readonly FrozenSet<string> s_removed = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        "forwarded", "x-real-ip", "x-functions-key", "client-ip", "disguised-host", "was-default-hostname",
        "x-site-deployment-id", "x-appservice-proto", "x-client-ip", "x-client-port");

    private static readonly string[] s_removedPrefixes = ["x-forwarded-", "x-original-", "x-ms-", "x-arr-", "x-waws-"];

    public static void Apply(HttpContext context, HttpRequestMessage upstreamRequest, string? upstreamApiKey)
    {
        var headers = upstreamRequest.Headers;
        var request = ProxyRequestFeature.Get(context);

        // The names are looked up on the incoming request, whose header dictionary enumerates without parsing;
        // the outgoing one is a copy of it, so whatever is removed there is what must not go upstream. Skipped only
        // when RequestHeaderPolicy has seen every header and none of them is one.
        if (request.CarriesHeadersNotForwarded is not false)
        {
            foreach (var header in context.Request.Headers)
            {
                if (IsRemoved(header.Key))
                {
                    headers.Remove(header.Key);
                }
            }
        }

        // The upstream is named by its base URL alone: the client's Host would send it to another virtual host
        // (or, behind a CDN, another site), so the authority of the destination URL is used instead.
        headers.Host = null;

        if (context.Request.Headers.ContainsKey(ProxyHeaderNames.ClientRequestId) && ClientRequestId.Of(context.Request) is null)
        {
            headers.Remove(ProxyHeaderNames.ClientRequestId);
        }

        if (!string.IsNullOrEmpty(upstreamApiKey))
        {
            headers.Remove(ProxyHeaderNames.ApiKey);
            headers.Authorization = new AuthenticationHeaderValue("Bearer", upstreamApiKey);
        }

        if (request.TokensMetered)
        {
            // A metered key's answer must be read for its usage: asked for uncompressed, whatever the client accepts.
            headers.Remove(HeaderNames.AcceptEncoding);
        }
    }

    public static bool IsRemoved(string name)
    {
        if (s_removed.Contains(name))
        {
            return true;
        }

        foreach (var prefix in s_removedPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
