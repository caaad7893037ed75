namespace Proxy.Errors;

/// <summary>The contract's spelling of each <see cref="FailureKind"/>, as records, logs and reports show it.</summary>
public static class FailureKindNames
{
    public static string Of(FailureKind kind) => kind switch
    {
        FailureKind.BadRequest => "bad_request",
        FailureKind.Unauthorized => "unauthorized",
        FailureKind.Forbidden => "forbidden",
        FailureKind.NotFound => "not_found",
        FailureKind.PayloadTooLarge => "payload_too_large",
        FailureKind.QuotaExceeded => "quota_exceeded",
        FailureKind.UpstreamError => "upstream_error",
        FailureKind.UpstreamUnreachable => "upstream_unreachable",
        FailureKind.UpstreamTimeout => "upstream_timeout",
        FailureKind.ClientAborted => "client_aborted",
        FailureKind.StreamError => "stream_error",
        FailureKind.Internal => "internal",
        FailureKind.QuotaStoreUnavailable => "quota_store_unavailable",
        FailureKind.Overloaded => "overloaded",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Who failed, for the record's <c>source</c> field.</summary>
    public static string SourceOf(FailureKind kind) => kind switch
    {
        FailureKind.UpstreamError or FailureKind.UpstreamUnreachable or FailureKind.UpstreamTimeout or FailureKind.StreamError => "upstream",
        FailureKind.ClientAborted => "client",
        _ => "proxy",
    };
}
