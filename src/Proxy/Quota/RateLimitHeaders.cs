using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Proxy.Errors;
using Proxy.Requests;

namespace Proxy.Quota;

/// <summary>
/// Writes a lease's metadata as headers, on admitted and refused responses alike: for a key with a request limit the de
/// facto <c>X-RateLimit-*</c> trio and the IETF draft's <c>RateLimit-Policy</c> / <c>RateLimit</c> fields, for a key
/// with a token limit OpenAI's <c>x-ratelimit-limit-tokens</c> and <c>x-ratelimit-remaining-tokens</c> (what is left after
/// this request's reservation), and <c>X-RateLimit-Reset</c> for both. A quota refusal adds <c>x-should-retry: false</c>
/// and no <c>Retry-After</c>: the OpenAI SDKs sleep for whatever <c>Retry-After</c> says before retrying (the .NET SDK's
/// <c>ClientRetryPolicy</c> for as long as it says, ignoring <c>x-should-retry</c>; the Node SDK's as well unless
/// <c>x-should-retry</c> forbids it), so a truthful one held a default .NET client for the rest of the hour. Without it
/// the .NET SDK falls back to its backoff (0.8, 1.6, 3.2 s; each retry answered from memory, uncounted) and the Node and
/// Python SDKs do not retry at all. A shed request gets <c>Retry-After: 1</c> alone: it was not counted. So does a request
/// refused for tokens that requests in flight hold, which it would fit once they are settled.
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

        if (!lease.IsCounted)
        {
            return;
        }

        var reset = ((long)Math.Ceiling(lease.ResetAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        headers["X-RateLimit-Reset"] = reset;
        if (lease.CountsRequests)
        {
            var limit = lease.Limit.ToString(CultureInfo.InvariantCulture);
            var remaining = (lease.Remaining + (QuotaRefundRule.IsGivenBack(lease, error) == true ? 1 : 0)).ToString(CultureInfo.InvariantCulture);
            var window = ((long)QuotaWindow.Length.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Limit"] = limit;
            headers["X-RateLimit-Remaining"] = remaining;
            headers["RateLimit-Policy"] = $"\"hourly\";q={limit};w={window}";
            headers["RateLimit"] = $"\"hourly\";r={remaining};t={reset}";
        }

        if (lease.TokenLimit is { } tokenLimit)
        {
            headers["x-ratelimit-limit-tokens"] = tokenLimit.ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-remaining-tokens"] = lease.TokensRemaining.ToString(CultureInfo.InvariantCulture);
        }

        if (lease.FitsOnceSettled)
        {
            // Refused for tokens that requests in flight hold and may give back: worth trying again in a moment, like a shed.
            headers[HeaderNames.RetryAfter] = ShedRetryAfterSeconds;
        }
        else if (lease.Decision is QuotaDecision.Exhausted or QuotaDecision.TokensExhausted)
        {
            // Retrying cannot help before the reset, and within the hour's last seconds it would only race it.
            headers[ProxyHeaderNames.ShouldRetry] = "false";
        }
    }
}
