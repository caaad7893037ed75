namespace Proxy.Quota;

/// <summary>Why a quota lease was granted or refused.</summary>
public enum QuotaDecision
{
    /// <summary>Counted, and within the limit.</summary>
    Admitted,

    /// <summary>The window's limit is used up.</summary>
    Exhausted,

    /// <summary>The key's tier's tokens for the hour are used up (see <c>Proxy.Tokens.TokenLimiter</c>): refused before the request count is asked.</summary>
    TokensExhausted,

    /// <summary>The key's tier has no limit: nothing is counted.</summary>
    Unlimited,

    /// <summary>The request's path is one that costs the upstream nothing (<see cref="QuotaOptions.UncountedPaths"/>): not counted.</summary>
    Uncounted,

    /// <summary>Table storage could not count it; the failure mode decides.</summary>
    StoreUnavailable,

    /// <summary>Too many counter writes were in flight or waiting: refused (503) without asking the store, and not counted.</summary>
    Shed,
}
