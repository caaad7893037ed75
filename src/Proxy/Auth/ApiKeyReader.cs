using System.Buffers;
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

    private static readonly SearchValues<char> s_keyCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=");

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

        if (string.IsNullOrEmpty(key))
        {
            return new(null, ErrorCatalog.Unauthorized());
        }

        // "Bearer a, Bearer b" folds two credentials into one header; any other character outside RFC 6750's
        // token68 cannot be a key, and passed on it would give one key many spellings, and so many quotas.
        if (key.Contains(','))
        {
            return new(null, ErrorCatalog.BadRequest("send the API key once, in one Authorization or x-api-key header."));
        }

        return key.AsSpan().ContainsAnyExcept(s_keyCharacters) ? new(null, ErrorCatalog.Unauthorized()) : new(key, null);
    }
}
