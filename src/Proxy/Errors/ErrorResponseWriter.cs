using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Proxy.Requests;

namespace Proxy.Errors;

/// <summary>
/// The one place that answers a failure: it writes the documented error body and logs the failure.
/// </summary>
internal sealed class ErrorResponseWriter(TimeProvider timeProvider, ILogger<ErrorResponseWriter> logger)
{
    /// <summary>Answers the failure, or breaks the connection when the response has already started; never throws for a client that left.</summary>
    public async Task WriteAsync(HttpContext context, ProxyError error)
    {
        var feature = ProxyRequestFeature.Get(context);
        feature.Error = error;
        ProxyLog.RequestFailed(logger, error.Kind, error.StatusCode, feature.RequestId, context.Request.Method, feature.ClientPath);

        if (error.Kind == FailureKind.ClientAborted)
        {
            return;
        }

        if (context.Response.HasStarted)
        {
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
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, ErrorJsonContext.Default.ErrorBody);

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
