namespace Proxy.Quota;

/// <summary>
/// What one key's counter answered for one request: <see cref="QuotaDecision.Admitted"/> with the window's count including
/// it and the counter a refund goes back to, <see cref="QuotaDecision.Exhausted"/>, <see cref="QuotaDecision.Shed"/> (its
/// write round got no permit), or <see cref="QuotaDecision.StoreUnavailable"/> (the store failed or did not answer in time).
/// </summary>
internal readonly record struct KeyWindowAnswer(QuotaDecision Decision, long Count = 0, KeyWindowCounter? Counter = null);
