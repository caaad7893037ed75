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
    public bool IsCounted => Decision is QuotaDecision.Admitted or QuotaDecision.Exhausted or QuotaDecision.TokensExhausted;

    public long Limit { get; }

    public long Remaining { get; }

    /// <summary>Whether the key has a request limit; a key with only a token limit has no request headers.</summary>
    public bool CountsRequests { get; init; } = true;

    /// <summary>The key's tokens per hour, when it has a token limit.</summary>
    public long? TokenLimit { get; init; }

    /// <summary>Tokens left in the hour after this request's reservation (refused, before it), as the count it was decided on had them.</summary>
    public long TokensRemaining { get; init; }

    /// <summary>
    /// The tokens this request reserved, which its answer's usage replaces when it is settled; refused for its tokens, what it
    /// would have reserved.
    /// </summary>
    public long Reservation { get; init; }

    /// <summary>Tokens held by requests in flight (their reservations) when this one was decided: a refusal they caused may pass once they are settled.</summary>
    public long TokensInFlight { get; init; }

    /// <summary>Refused for its tokens, whether the request would fit once the requests in flight are settled at no more than their reservations.</summary>
    public bool FitsOnceSettled => Decision == QuotaDecision.TokensExhausted && Reservation <= TokensRemaining + TokensInFlight;

    /// <summary>
    /// Settles the request once its outcome is known, the first time only however many paths reach it: a failure that was
    /// not the client's fault (<see cref="QuotaRefundRule"/>) gives its unit back to the hour it was counted in, and for a
    /// key with a token limit the answer's usage replaces the reservation: <paramref name="tokensUsed"/> when it was read,
    /// else the whole reservation when the upstream began a 2xx answer (<paramref name="answered"/>: it may have produced
    /// tokens nobody read), else nothing. Returns at once; the write goes with the key's next round.
    /// </summary>
    internal void Settle(ProxyError? error, long? tokensUsed = null, bool answered = false)
    {
        if (Counter is not { } counter || Interlocked.Exchange(ref _settled, 1) != 0)
        {
            return;
        }

        var givenBack = QuotaRefundRule.IsGivenBack(this, error) == true ? -1 : 0;
        var charged = TokenLimit is null ? 0 : tokensUsed ?? (answered ? Reservation : 0);
        counter.Settle(new CounterUnits(givenBack, Math.Max(0, charged), -Reservation));
    }

    /// <summary>Time until the window resets: the <c>X-RateLimit-Reset</c> of an answer, refusals included.</summary>
    public TimeSpan ResetAfter { get; }
}
