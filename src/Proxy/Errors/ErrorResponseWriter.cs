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
internal sealed class ErrorResponseWriter(TimeProvider timeProvider, FailureReporter reporter, FailureRecordFactory records)
{
    private static readonly JsonTypeInfo<ErrorBody> s_bodyType = ErrorJsonContext.CreateBodyTypeInfo();

    /// <summary>Answers the failure, or breaks the connection when the response has already started; never throws for a client that left.</summary>
    public async Task WriteAsync(HttpContext context, ProxyError error)
    {
        var feature = ProxyRequestFeature.Get(context);
        feature.Error = error;
        if (error.Kind == FailureKind.ClientAborted || context.Response.HasStarted)
        {
            reporter.Report(records.Create(context, error));
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
        reporter.Report(records.Create(context, error));

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

    /// <summary>UTC, ISO 8601 with milliseconds and <c>Z</c>, as the AI/ML API writes it.</summary>
    internal static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
