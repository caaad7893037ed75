using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Proxy.Errors;
using Proxy.Requests;

namespace Proxy.Quota;

/// <summary>
/// Writes a lease's metadata as headers, on admitted and refused responses alike: the de facto
/// <c>X-RateLimit-*</c> trio and the IETF draft's <c>RateLimit-Policy</c> / <c>RateLimit</c> fields, which say when
/// the hour resets and how much of it is left. A quota refusal adds <c>x-should-retry: false</c> and no
/// <c>Retry-After</c> (issue 13): the OpenAI SDKs sleep for whatever <c>Retry-After</c> says before retrying (the .NET
/// SDK's <c>ClientRetryPolicy</c> for as long as it says, ignoring <c>x-should-retry</c>; the Node SDK's as well unless
/// <c>x-should-retry</c> forbids it), so a truthful one held a default .NET client for the rest of the hour. Without
/// it the .NET SDK falls back to its backoff (0.8, 1.6, 3.2 s; each retry answered from memory, uncounted) and the Node
/// and Python SDKs do not retry at all. A shed request gets <c>Retry-After: 1</c> alone: it was not counted.
/// </summary>
internal static class RateLimitHeaders
{
    private const string ShedRetryAfterSeconds = "1";

    /// <summary>
    /// Writes <paramref name="lease"/>'s headers; a response that answers <paramref name="error"/>, a failure that gives its
    /// unit back (<see cref="QuotaRefundRule"/>), counts that unit as left already.
    /// </summary>
    public static void Write(IHeaderDictionary headers, QuotaLease lease, ProxyError? error = null)
    {
        if (lease.Decision == QuotaDecision.Shed)
        {
            // A shed is a moment's congestion, not the key's hour used up: come back in a second.
            headers[HeaderNames.RetryAfter] = ShedRetryAfterSeconds;
            return;
        }

        if (lease.Decision == QuotaDecision.TokensExhausted)
        {
            // The request count was not asked, so the request headers would say nothing true; the token limit goes in
            // OpenAI's own token headers, with the hour's reset.
            headers["x-ratelimit-limit-tokens"] = lease.Limit.ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-remaining-tokens"] = "0";
            headers["X-RateLimit-Reset"] = ((long)Math.Ceiling(lease.ResetAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            headers[ProxyHeaderNames.ShouldRetry] = "false";
            return;
        }

        if (!lease.IsCounted)
        {
            return;
        }

        var limit = lease.Limit.ToString(CultureInfo.InvariantCulture);
        var remaining = (lease.Remaining + (QuotaRefundRule.IsGivenBack(lease, error) == true ? 1 : 0)).ToString(CultureInfo.InvariantCulture);
        var resetSeconds = (long)Math.Ceiling(lease.ResetAfter.TotalSeconds);
        var reset = resetSeconds.ToString(CultureInfo.InvariantCulture);
        var window = ((long)QuotaWindow.Length.TotalSeconds).ToString(CultureInfo.InvariantCulture);

        headers["X-RateLimit-Limit"] = limit;
        headers["X-RateLimit-Remaining"] = remaining;
        headers["X-RateLimit-Reset"] = reset;
        headers["RateLimit-Policy"] = $"\"hourly\";q={limit};w={window}";
        headers["RateLimit"] = $"\"hourly\";r={remaining};t={reset}";

        if (lease.Decision == QuotaDecision.Exhausted)
        {
            // Retrying cannot help before the reset, and within the hour's last seconds it would only race it.
            headers[ProxyHeaderNames.ShouldRetry] = "false";
        }
    }
}
