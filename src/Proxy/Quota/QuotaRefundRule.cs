using Proxy.Errors;

namespace Proxy.Quota;

/// <summary>
/// Which outcomes do not count against the key's hour: a failure that is not the client's fault gives its unit
/// back, as Azure API Management's <c>increment-condition</c> allows, but exactly. Not the client's fault: an upstream 5xx
/// or 429, an upstream that could not be reached or did not answer in time (502, 504), a fault in the proxy (500), and
/// an admission made while the store could not count (fail-open, never counted at all). Still counted: success, the
/// upstream's other 4xx (the request was wrong), a client that went away, and an error event inside a 200 stream, which
/// the upstream may have billed and whose status the client already has.
/// </summary>
internal static class QuotaRefundRule
{
    /// <summary>
    /// Whether the request of <paramref name="lease"/>, having ended in <paramref name="error"/>, is left out of the key's
    /// hour; null when it never was in it (not admitted by a count: refused, uncounted path, no limit).
    /// </summary>
    public static bool? IsGivenBack(QuotaLease? lease, ProxyError? error) => lease?.Decision switch
    {
        QuotaDecision.Admitted => error is not null && IsNotTheClientsFault(error),
        QuotaDecision.StoreUnavailable => true,
        _ => null,
    };

    private static bool IsNotTheClientsFault(ProxyError error) => error.Kind switch
    {
        FailureKind.UpstreamUnreachable or FailureKind.UpstreamTimeout or FailureKind.Internal => true,
        FailureKind.UpstreamError => error.StatusCode is >= 500 or 429,
        _ => false,
    };
}
