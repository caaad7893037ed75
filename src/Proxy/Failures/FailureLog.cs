using Microsoft.Extensions.Logging;

namespace Proxy.Failures;

/// <summary>Failures as structured log events, with the record's fields, so that Application Insights sees them without the queue.</summary>
internal static partial class FailureLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Warning,
        Message = "Failure {Kind} ({StatusCode}) from {Source}: request {RequestId} {Method} {Path}; key {KeyId} tier {Tier} model {Model}; " +
                  "upstream {UpstreamStatusCode} {UpstreamRequestId}; {DurationMs} ms; {Message}")]
    public static partial void Failure(ILogger logger, string kind, int statusCode, string source, string requestId, string method, string path,
        string? keyId, string? tier, string? model, int? upstreamStatusCode, string? upstreamRequestId, long durationMs, string message);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error,
        Message = "Failure buffer full ({Capacity} records): {Dropped} records dropped so far")]
    public static partial void Dropped(ILogger logger, int capacity, long dropped);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning,
        Message = "Failure queue unavailable; {Pending} records wait in memory and are retried in {DelayMs} ms")]
    public static partial void SendFailed(ILogger logger, int pending, long delayMs);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error,
        Message = "Shutdown drain timed out: {Lost} failure records were not sent")]
    public static partial void LostOnShutdown(ILogger logger, int lost);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error,
        Message = "Failure queue refused record {RequestId} for good ({Status} {ErrorCode}); dropped, not retried: {Refused} records refused so far")]
    public static partial void Refused(ILogger logger, int status, string errorCode, string requestId, long refused);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning,
        Message = "{Count} failures without an accepted key found their share of the buffer ({Capacity} records) full: " +
                  "counted in one aggregated record ({Pairs} kinds and statuses) instead of one record and log line each")]
    public static partial void Aggregated(ILogger logger, long count, int pairs, int capacity);
}
