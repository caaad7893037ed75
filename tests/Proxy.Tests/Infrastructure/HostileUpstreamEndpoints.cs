using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// Upstream answers a proxy must survive without passing them on as they came: credentials echoed back, header bytes
/// outside ASCII (the fake's Kestrel writes header values as Latin-1), values of any length, error bodies that stall,
/// and error events in streams that are compressed or end their lines with CR alone.
/// </summary>
internal static class HostileUpstreamEndpoints
{
    public const string Latin1HeaderName = "X-Upstream-Note";

    /// <summary>What <see cref="Latin1HeaderName"/> carries: one byte (0xE9) that is not ASCII.</summary>
    public const string Latin1HeaderValue = "caf\u00e9";

    public const string StalledErrorStart = "{\"message\":\"this body never ";

    public static void Map(WebApplication app)
    {
        app.Map("/v1/hostile/echo-key/{status:int}", EchoKeyAsync);
        app.Map("/v1/hostile/latin1/{status:int}", Latin1Async);
        app.Map("/v1/hostile/huge-values", HugeValuesAsync);
        app.Map("/v1/hostile/stalled-error/{status:int}", StalledErrorAsync);
        app.Map("/v1/hostile/sse-error-gzip", GzipStreamWithErrorAsync);
        app.Map("/v1/hostile/sse-error-cr", CrStreamWithErrorAsync);
    }

    /// <summary>Quotes the credential it got everywhere it can: a careless upstream's "invalid key: sk-…".</summary>
    private static async Task EchoKeyAsync(HttpContext context)
    {
        var status = Status(context);
        var authorization = context.Request.Headers.Authorization.ToString();
        var key = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : authorization;
        context.Response.StatusCode = status;
        context.Response.Headers["x-request-id"] = "req-" + key;
        context.Response.Headers["x-debug-authorization"] = authorization;
        context.Response.Headers["Retry-After"] = "1";
        if (status < 400)
        {
            await context.Response.WriteAsJsonAsync(new { ok = true });
            return;
        }

        await context.Response.WriteAsJsonAsync(new
        {
            message = $"Invalid API key: {key}.",
            requestId = "body-" + key,
            statusCode = status,
            error = new { message = "inner " + key, type = "type-" + key, code = "code-" + key },
        });
    }

    private static async Task Latin1Async(HttpContext context)
    {
        var status = Status(context);
        context.Response.StatusCode = status;
        context.Response.Headers[Latin1HeaderName] = Latin1HeaderValue;
        context.Response.Headers["x-request-id"] = "req-\u00e9t\u00e9";
        context.Response.Headers["Retry-After"] = "2";
        if (status < 400)
        {
            await context.Response.WriteAsJsonAsync(new { ok = true });
            return;
        }

        context.Response.Headers.Remove("x-request-id");
        await context.Response.WriteAsJsonAsync(new { message = "Upstream says \u00e9t\u00e9", requestId = "body-\u00e9t\u00e9\r\nx-injected: 1", statusCode = status });
    }

    /// <summary>
    /// A 500 whose every value is huge (a 17,000-character request id, 20 KB type and code, a message of 3,000 quotes),
    /// in 63 KB: all of it within the 64 KiB the proxy reads of an error body.
    /// </summary>
    private static async Task HugeValuesAsync(HttpContext context)
    {
        context.Response.Headers.Remove("x-request-id");
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        context.Response.ContentType = "application/json";
        var quotes = string.Concat(Enumerable.Repeat("\\\"", 3_000));
        await context.Response.WriteAsync(
            $"{{\"message\":\"{quotes}\",\"requestId\":\"{new string('r', 17_000)}\"," +
            $"\"error\":{{\"type\":\"{new string('t', 20_000)}\",\"code\":\"{new string('c', 20_000)}\"}}}}");
    }

    /// <summary>The status line and the start of the body at once, then nothing until the caller goes away.</summary>
    private static async Task StalledErrorAsync(HttpContext context)
    {
        context.Response.StatusCode = Status(context);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = 4096;
        await context.Response.WriteAsync(StalledErrorStart);
        await context.Response.Body.FlushAsync();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A gzip-encoded event stream, each event flushed through the compressor, with an error event second.</summary>
    private static async Task GzipStreamWithErrorAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.ContentEncoding = "gzip";
        await using var gzip = new GZipStream(context.Response.Body, CompressionLevel.Fastest, leaveOpen: true);
        foreach (var line in StreamWithError("\n"))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(line));
            await gzip.FlushAsync();
        }
    }

    /// <summary>An event stream whose lines end with CR alone, which the SSE specification allows.</summary>
    private static async Task CrStreamWithErrorAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        foreach (var line in StreamWithError("\r"))
        {
            await context.Response.WriteAsync(line);
            await context.Response.Body.FlushAsync();
        }
    }

    private static IEnumerable<string> StreamWithError(string newline)
    {
        yield return "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}" + newline + newline;
        yield return "data: " + JsonSerializer.Serialize(new { error = new { message = FakeUpstream.StreamErrorMessage } }) + newline + newline;
        yield return "data: [DONE]" + newline + newline;
    }

    private static int Status(HttpContext context) => int.Parse((string)context.Request.RouteValues["status"]!, CultureInfo.InvariantCulture);
}
