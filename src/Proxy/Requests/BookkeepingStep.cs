namespace Proxy.Requests;

/// <summary>One piece of what the proxy does for a request besides answering it, each done whatever the others did.</summary>
internal enum BookkeepingStep
{
    /// <summary>The failure record put on the queue for analysis.</summary>
    FailureRecord,

    /// <summary>The quota's settle: a refund for a failure that was not the client's, the tokens that replace a reservation.</summary>
    Refund,

    /// <summary>The request in the hour's usage ledger.</summary>
    Usage,

    /// <summary>The request's access line.</summary>
    AccessLine,

    /// <summary>The request in the proxy's metrics and its trace.</summary>
    Metrics,
}
