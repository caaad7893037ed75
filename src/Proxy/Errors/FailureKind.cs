namespace Proxy.Errors;

/// <summary>
/// Every way a request can fail, named as in the failure record's <c>kind</c> field.
/// <see cref="ErrorCatalog"/> is the one place that maps a kind to a status and a message.
/// </summary>
public enum FailureKind
{
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    QuotaExceeded,
    UpstreamError,
    UpstreamUnreachable,
    UpstreamTimeout,
    ClientAborted,
    StreamError,
    Internal,
    QuotaStoreUnavailable,

    /// <summary>Shed: more quota-store writes were in flight or waiting than the process allows.</summary>
    Overloaded,
}
