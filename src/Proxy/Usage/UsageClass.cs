using Microsoft.AspNetCore.Http;
using Proxy.Errors;

namespace Proxy.Usage;

/// <summary>How a request ended, as the ledger counts it.</summary>
internal enum UsageClass
{
    Succeeded,

    /// <summary>The client's fault: a 4xx, the proxy's or the upstream's, and a client that went away.</summary>
    FailedClient,

    /// <summary>The upstream's: a 5xx it answered, or an error event in a stream it sent.</summary>
    FailedUpstream,

    /// <summary>The proxy's own 5xx: unreachable upstream (502), timeout (504), shed (503), store closed (503), internal faults.</summary>
    FailedProxy,

    /// <summary>Refused by the hourly quota (429): not a failure, the key's hour was used up.</summary>
    Refused,
}

internal static class UsageClassifier
{
    /// <summary>
    /// From the error the proxy answered with (<see cref="ErrorCatalog"/>'s kinds), else the status the client got; a 2xx
    /// stream that carried an error event (<paramref name="streamFailed"/>) failed, the upstream's fault.
    /// </summary>
    public static UsageClass Classify(ProxyError? error, int statusCode, bool streamFailed = false) => error?.Kind switch
    {
        null when streamFailed => UsageClass.FailedUpstream,
        null => statusCode switch
        {
            < StatusCodes.Status400BadRequest => UsageClass.Succeeded,
            < StatusCodes.Status500InternalServerError => UsageClass.FailedClient,
            _ => UsageClass.FailedProxy,
        },
        FailureKind.QuotaExceeded => UsageClass.Refused,
        FailureKind.UpstreamError => error.StatusCode >= StatusCodes.Status500InternalServerError ? UsageClass.FailedUpstream : UsageClass.FailedClient,
        FailureKind.StreamError => UsageClass.FailedUpstream,
        FailureKind.ClientAborted => UsageClass.FailedClient,
        _ => error.StatusCode >= StatusCodes.Status500InternalServerError ? UsageClass.FailedProxy : UsageClass.FailedClient,
    };
}
