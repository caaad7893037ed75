using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Proxy.Failures;
using Proxy.Requests;

namespace Proxy.Errors;

/// <summary>
/// The one place that answers a failure: it reports it, then writes the documented error body (or, when the
/// response has already started, breaks the connection).
/// </summary>
internal sealed class ErrorResponseWriter(TimeProvider timeProvider, FailureReporter reporter, FailureRecordFactory records, RequestBookkeeping bookkeeping)
{
    private static readonly JsonTypeInfo<ErrorBody> s_bodyType = ErrorJsonContext.CreateBodyTypeInfo();

    /// <summary>Answers the failure, or breaks the connection when the response has already started; never throws for a client that left.</summary>
    public async Task WriteAsync(HttpContext context, ProxyError error)
    {
        var feature = ProxyRequestFeature.Get(context);
        feature.Error = error;
        if (error.Kind == FailureKind.ClientAborted || context.Response.HasStarted)
        {
            Report(context, feature, error);
            if (error.Kind == FailureKind.ClientAborted)
            {
                return;
            }

            // The status line is gone; the only honest signal left to the client is a broken connection.
            context.Abort();
            return;
        }

        var body = new ErrorBody(
            error.Message,
            feature.ClientPath,
            feature.RequestId,
            error.StatusCode,
            FormatTimestamp(timeProvider.GetUtcNow()),
            new ErrorBodyDetail(error.Message, error.Type, error.Code));
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, s_bodyType);
        feature.ResponseBytes = bytes.Length;
        Report(context, feature, error);

        var response = context.Response;
        response.StatusCode = error.StatusCode;
        response.ContentType = "application/json";
        response.ContentLength = bytes.Length;
        response.Headers[HeaderNames.CacheControl] = "no-store";
        try
        {
            await response.Body.WriteAsync(bytes, context.RequestAborted);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            context.Abort();
        }
    }

    /// <summary>The failure's record, made and queued on its own: a fault in it never keeps the client from its answer.</summary>
    public void Report(HttpContext context, ProxyRequestFeature feature, ProxyError error) =>
        bookkeeping.Run(BookkeepingStep.FailureRecord, feature, (context, error, reporter, records),
            static state => state.reporter.Report(state.records.Create(state.context, state.error)));

    /// <summary>UTC, ISO 8601 with milliseconds and <c>Z</c>, as the AI/ML API writes it.</summary>
    internal static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
