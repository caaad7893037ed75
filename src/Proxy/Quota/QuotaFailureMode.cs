namespace Proxy.Quota;

/// <summary>What the proxy does with a request when Table storage cannot count it.</summary>
public enum QuotaFailureMode
{
    /// <summary>Admit it uncounted, and report a <c>quota_store_unavailable</c> failure.</summary>
    Open,

    /// <summary>Refuse it with 503.</summary>
    Closed,
}
