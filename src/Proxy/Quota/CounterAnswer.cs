namespace Proxy.Quota;

/// <summary>
/// What a key's counter answered for one request: <see cref="QuotaDecision.Admitted"/> with the row's counts including it
/// and the counter that settles it; <see cref="QuotaDecision.Exhausted"/> or <see cref="QuotaDecision.TokensExhausted"/>
/// with the counts it was refused at; for a peek, <see cref="QuotaDecision.Uncounted"/> with the counts read; <see cref="QuotaDecision.Shed"/> (no permit for the store, or a store only slow);
/// or <see cref="QuotaDecision.StoreUnavailable"/> (the store is gone).
/// </summary>
internal readonly record struct CounterAnswer(QuotaDecision Decision, CounterUnits Counts = default, KeyCounter? Counter = null);
