namespace Proxy.Quota;

/// <summary>Why a quota lease was granted or refused.</summary>
public enum QuotaDecision
{
    /// <summary>Counted, and within the limit.</summary>
    Admitted,

    /// <summary>The window's limit is used up.</summary>
    Exhausted,

    /// <summary>The request's token reservation does not fit what is left of the key's tokens for the hour; not counted.</summary>
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
