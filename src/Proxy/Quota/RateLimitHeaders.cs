using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Proxy.Requests;

namespace Proxy.Quota;

/// <summary>
/// Writes a lease's metadata as headers, on admitted and refused responses alike: the de facto
/// <c>X-RateLimit-*</c> trio and the IETF draft's <c>RateLimit-Policy</c> / <c>RateLimit</c> fields;
/// on a refusal also <c>Retry-After</c>, and <c>x-should-retry: false</c> when the wait is longer than
/// OpenAI SDKs are willing to sleep (60 s), which otherwise retry a 429 twice at once. A shed request gets
/// <c>Retry-After: 1</c> alone: it was not counted.
/// </summary>
internal static class RateLimitHeaders
{
    private const int LongestWaitSdksHonour = 60;
    private const string ShedRetryAfterSeconds = "1";

    public static void Write(IHeaderDictionary headers, QuotaLease lease)
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

        var limit = lease.Limit.ToString(CultureInfo.InvariantCulture);
        var remaining = lease.Remaining.ToString(CultureInfo.InvariantCulture);
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
            headers[HeaderNames.RetryAfter] = reset;
            if (resetSeconds > LongestWaitSdksHonour)
            {
                headers[ProxyHeaderNames.ShouldRetry] = "false";
            }
        }
    }
}
