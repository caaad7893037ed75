using Microsoft.Extensions.Logging;
using Proxy.AccessLog;

namespace Proxy.Failures;

/// <summary>Failures as structured log events, with the record's fields, so that Application Insights sees them without the queue.</summary>
internal static partial class FailureLog
{
    private static readonly EventId s_failure = new(4000, nameof(Failure));

    /// <summary>Written by hand rather than generated, so that an absent field shows as <c>-</c> (see <see cref="LogLine{TFields}"/>).</summary>
    public static void Failure(ILogger logger, string kind, int statusCode, string source, string requestId, string method, string path,
        string? keyId, string? tier, string? model, int? upstreamStatusCode, string? upstreamRequestId, long durationMs, string message)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            var line = new LogLine<FailureLine>(new FailureLine(kind, statusCode, source, requestId, method, path, keyId, tier, model,
                upstreamStatusCode, upstreamRequestId, durationMs, message));
            logger.Log(LogLevel.Warning, s_failure, line, null, LogLine<FailureLine>.Format);
        }
    }

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

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning,
        Message = "{Count} failures with an accepted key repeated their key, kind and status beyond {Records} records in the interval: " +
                  "counted in {Aggregates} aggregated records, one per key, kind and status, instead of one record and log line each")]
    public static partial void Repeated(ILogger logger, long count, int records, int aggregates);
}
