using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Proxy.Errors;
using Proxy.Requests;

namespace Proxy.Auth;

/// <summary>
/// Finds the client's API key: <c>Authorization: Bearer &lt;key&gt;</c>, as OpenAI SDKs send it, or <c>x-api-key</c>.
/// </summary>
internal static class ApiKeyReader
{
    private const string BearerPrefix = "Bearer ";

    /// <summary>The key, or the error that answers a request without exactly one usable key.</summary>
    public static ApiKeyReadResult Read(HttpRequest request)
    {
        var authorization = request.Headers[HeaderNames.Authorization];
        var apiKeyHeader = request.Headers[ProxyHeaderNames.ApiKey];

        // Two credentials are ambiguous: whichever one a later hop picks, the quota must count the same key.
        if (authorization.Count + apiKeyHeader.Count > 1)
        {
            return new(null, ErrorCatalog.BadRequest("send the API key once, in one Authorization or x-api-key header."));
        }

        string? key = null;
        if (authorization.Count == 1)
        {
            var value = authorization[0] ?? string.Empty;
            if (value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
            {
                key = value[BearerPrefix.Length..].Trim();
            }
        }
        else if (apiKeyHeader.Count == 1)
        {
            key = apiKeyHeader[0]?.Trim();
        }

        return string.IsNullOrEmpty(key)
            ? new(null, ErrorCatalog.Unauthorized())
            : new(key, null);
    }
}
