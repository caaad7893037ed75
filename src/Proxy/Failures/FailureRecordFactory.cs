using Microsoft.AspNetCore.Http;
using Proxy.Auth;
using Proxy.Errors;
using Proxy.Quota;
using Proxy.Requests;

namespace Proxy.Failures;

/// <summary>
/// Builds a failure's record from what the proxy knows of its request; nothing secret goes in, and every field from
/// the client or the upstream is escaped and cut to its bound (<see cref="FailureRecordBounds"/>) before the log line,
/// the queue and the archive see it.
/// </summary>
public sealed class FailureRecordFactory(TimeProvider timeProvider)
{
    /// <summary>Which process reported it: the App Service instance in Azure, else host and process id.</summary>
    private static readonly string s_instance =
        Environment.GetEnvironmentVariable("WEBSITE_INSTANCE_ID") is { Length: > 0 } azureInstance
            ? azureInstance
            : $"{Environment.MachineName}/{Environment.ProcessId}";

    public FailureRecord Create(HttpContext context, ProxyError error)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(error);
        var request = ProxyRequestFeature.Get(context);
        return FailureRecordBounds.Apply(new FailureRecord
        {
            RequestId = request.RequestId,
            ClientRequestId = ClientRequestId.Of(context.Request),
            Timestamp = ErrorResponseWriter.FormatTimestamp(timeProvider.GetUtcNow()),
            Method = context.Request.Method,
            Path = request.ClientPath,
            StatusCode = error.StatusCode,
            Kind = FailureKindNames.Of(error.Kind),
            Source = FailureKindNames.SourceOf(error.Kind),
            Message = error.Message,
            KeyId = request.KeyId is { } keyId ? ApiKeyHash.Prefix(keyId) : null,
            Tier = request.Tier,
            Model = request.NamedModel(),
            UpstreamStatusCode = request.UpstreamStatusCode,
            UpstreamRequestId = request.UpstreamRequestId,
            DurationMs = (long)timeProvider.GetElapsedTime(request.StartTimestamp).TotalMilliseconds,
            RequestBytes = request.RequestBodyBytes(context),
            ResponseBytes = request.ResponseBodyBytes(context),
            Instance = s_instance,
            Refunded = QuotaRefundRule.IsGivenBack(request.QuotaLease, error),
        });
    }

    /// <summary>The record of <paramref name="total"/> anonymous failures counted instead of recorded (<see cref="FailureAggregate"/>).</summary>
    internal static FailureRecord Aggregated(long total, DateTimeOffset since, DateTimeOffset last, IReadOnlyList<FailureCount> counts) =>
        Aggregated(null, null, total, since, last, counts,
            "Failures of requests without an accepted key, beyond their share of the failure buffer: counted here, by kind and status, instead of one record each.");

    /// <summary>The record of one key's failures of one kind and status counted instead of recorded (<see cref="RepeatedFailures"/>).</summary>
    internal static FailureRecord Aggregated(RepeatedFailureCount repeated) =>
        Aggregated(repeated.KeyId, repeated.Tier, repeated.Count, repeated.First, repeated.Last, [new FailureCount(repeated.Kind, repeated.StatusCode, repeated.Count)],
            "Failures of this key, kind and status beyond the records each gets per aggregation interval: counted here instead of one record each.");

    /// <summary>A record that stands for <paramref name="total"/> failures: its timestamp is the last of them, <c>since</c> the first.</summary>
    private static FailureRecord Aggregated(string? keyId, string? tier, long total, DateTimeOffset since, DateTimeOffset last, IReadOnlyList<FailureCount> counts, string message) =>
        FailureRecordBounds.Apply(new FailureRecord
        {
            RequestId = Guid.NewGuid().ToString(),
            Timestamp = ErrorResponseWriter.FormatTimestamp(last),
            Method = string.Empty,
            Path = string.Empty,
            Kind = FailureRecord.AggregatedKind,
            Source = "proxy",
            Message = message,
            KeyId = keyId,
            Tier = tier,
            Count = total,
            Counts = counts,
            Since = ErrorResponseWriter.FormatTimestamp(since),
            Instance = s_instance,
        });
}
