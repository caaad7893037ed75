using Proxy.Errors;

namespace Proxy.Quota;

/// <summary>
/// The quota's answer for one request, shaped like <c>System.Threading.RateLimiting</c>'s lease:
/// whether it may go on, and the metadata the rate-limit headers are written from.
/// </summary>
public sealed class QuotaLease
{
    /// <summary>Leases that carry no counts are shared, so those answers allocate nothing.</summary>
    public static readonly QuotaLease Unlimited = new(QuotaDecision.Unlimited, 0, 0, TimeSpan.Zero);

    public static readonly QuotaLease Uncounted = new(QuotaDecision.Uncounted, 0, 0, TimeSpan.Zero);

    public static readonly QuotaLease StoreUnavailable = new(QuotaDecision.StoreUnavailable, 0, 0, TimeSpan.Zero);

    public static readonly QuotaLease Shed = new(QuotaDecision.Shed, 0, 0, TimeSpan.Zero);

    private int _settled;

    /// <summary>A refusal for the key's tokens: <see cref="Limit"/> is the tier's tokens per hour, none of them left.</summary>
    public static QuotaLease TokensExhausted(long tokenLimit, TimeSpan resetAfter) => new(QuotaDecision.TokensExhausted, tokenLimit, 0, resetAfter);

    public QuotaLease(QuotaDecision decision, long limit, long remaining, TimeSpan resetAfter)
    {
        Decision = decision;
        Limit = limit;
        Remaining = remaining;
        ResetAfter = resetAfter;
    }

    public QuotaDecision Decision { get; }

    /// <summary>An admitted request's counter, which a refund goes back to.</summary>
    internal KeyCounter? Counter { get; init; }

    public bool IsAcquired => Decision is not (QuotaDecision.Exhausted or QuotaDecision.TokensExhausted or QuotaDecision.Shed);

    /// <summary>Whether the rate-limit headers apply: the request was counted, or refused by the count.</summary>
    public bool IsCounted => Decision is QuotaDecision.Admitted or QuotaDecision.Exhausted;

    public long Limit { get; }

    public long Remaining { get; }

    /// <summary>
    /// Settles the request once its outcome is known, the first time only however many paths reach it: a failure that was
    /// not the client's fault (<see cref="QuotaRefundRule"/>) gives its unit back to the hour it was counted in. Returns at
    /// once; the write goes with the key's next round.
    /// </summary>
    internal void Settle(ProxyError? error)
    {
        if (Counter is { } counter && Interlocked.Exchange(ref _settled, 1) == 0)
        {
            counter.Settle(QuotaRefundRule.IsGivenBack(this, error) == true ? new CounterUnits(-1, 0) : default);
        }
    }

    /// <summary>Time until the window resets: the <c>X-RateLimit-Reset</c> of an answer, refusals included.</summary>
    public TimeSpan ResetAfter { get; }
}
