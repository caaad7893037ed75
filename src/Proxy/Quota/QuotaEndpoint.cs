using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Proxy.Auth;
using Proxy.Errors;

namespace Proxy.Quota;

/// <summary>
/// <c>GET /quota</c> (and <c>HEAD</c>): what a key has left this hour, as OpenRouter's <c>GET /api/v1/key</c> tells its
/// caller. The key is checked as any request's key; the answer is the proxy's own, never forwarded, and not counted. Its
/// figures are the counter row's, read from the store for the call; a store that cannot say gets the documented 503.
/// </summary>
internal sealed class QuotaEndpoint(QuotaLimiter limiter, TimeProvider timeProvider)
{
    public const string Path = "/quota";

    public static bool Matches(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && request.Path.Value == Path;

    /// <summary>Answers for <paramref name="key"/>, an accepted key; the error to answer instead when the store cannot say.</summary>
    public async Task<ProxyError?> AnswerAsync(HttpContext context, ResolvedKey key)
    {
        var counts = await limiter.ReadAsync(key.KeyId, key.Limit, key.TokenLimit, context.RequestAborted);
        if (counts is not { } counted)
        {
            return ErrorCatalog.ServiceUnavailable();
        }

        var now = timeProvider.GetUtcNow();
        var body = new QuotaStatusBody(
            "quota",
            key.Tier,
            (long)Math.Ceiling(QuotaWindow.Containing(now).ResetAfter(now).TotalSeconds),
            key.Limit is { } limit
                ? new QuotaRequestsStatus(limit, counted.Requests, Math.Max(0, limit - counted.Requests))
                : new QuotaRequestsStatus(null, null, null),
            key.TokenLimit is { } tokenLimit
                ? new QuotaTokensStatus(tokenLimit, counted.Tokens, counted.Reserved, Math.Max(0, tokenLimit - counted.TokensHeld))
                : new QuotaTokensStatus(null, null, null, null));

        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, QuotaJsonContext.Default.QuotaStatusBody);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = bytes.Length;
        response.Headers[HeaderNames.CacheControl] = "no-store";
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(bytes, context.RequestAborted);
        }

        return null;
    }
}
