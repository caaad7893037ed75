using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Proxy.Errors;
using Proxy.Failures;
using Proxy.Requests;
using Proxy.Telemetry;
using Proxy.Tokens;
using Proxy.Usage;
using Yarp.ReverseProxy.Forwarder;

namespace Proxy.Forwarding;

/// <summary>
/// YARP's default transforms plus the proxy's: host and client headers out of the upstream request,
/// and every upstream error answered in the documented shape instead of copied.
/// </summary>
internal sealed class ProxyTransformer(
    IOptions<UpstreamOptions> upstreamOptions, ErrorResponseWriter errorWriter,
    ProxyMetrics metrics, TimeProvider timeProvider) : HttpTransformer
{
    // Upstream error headers worth keeping: how long to wait, and whether to retry at all.
    private static readonly string[] s_keptErrorHeaders = ["Retry-After", "retry-after-ms", ProxyHeaderNames.ShouldRetry];

    private readonly UpstreamOptions _upstream = upstreamOptions.Value;
    private readonly string? _upstreamApiKey = upstreamOptions.Value.ApiKey;

    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        UpstreamRequestHeaders.Apply(httpContext, proxyRequest, _upstreamApiKey);
    }

    public override async ValueTask<bool> TransformResponseAsync(
        HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is null)
        {
            // No answer at all: the handler turns the forwarder's error into the response.
            return false;
        }

        // Whatever the upstream echoed or encoded, what reaches the client, the record and the log is clean from here on.
        var redactor = CredentialRedactor.For(httpContext, _upstreamApiKey);
        UpstreamResponseHeaders.Clean(proxyResponse, redactor);
        var upstreamRequestId = proxyResponse.Headers.NonValidated.TryGetValues(ProxyHeaderNames.RequestId, out var values)
            ? UpstreamText.RequestId(values.ToString(), Encoding.Latin1, redactor)
            : null;

        var statusCode = (int)proxyResponse.StatusCode;
        var request = ProxyRequestFeature.Get(httpContext);
        request.UpstreamStatusCode = statusCode;
        metrics.UpstreamFirstByte(timeProvider.GetElapsedTime(request.UpstreamStartTimestamp), statusCode);
        if (statusCode < StatusCodes.Status400BadRequest)
        {
            await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
            SetUpstreamRequestId(httpContext, request, upstreamRequestId);
            if (IsEventStream(httpContext.Response))
            {
                var contentCoding = LastContentCoding(httpContext.Response);
                if (request.UsageAddedByProxy && contentCoding is null)
                {
                    // The usage asked for on the client's behalf is read by the watcher, then taken out of what the client gets.
                    request.UsageFilter = new UnrequestedUsageFilter(httpContext.Response.Body);
                    httpContext.Response.Body = request.UsageFilter;
                    httpContext.Response.RegisterForDispose(request.UsageFilter);
                }

                WatchForErrorEvents(httpContext, request, contentCoding, redactor);
            }
            else if (IsUncompressedJson(httpContext.Response))
            {
                // Disposed once the response is over, after TransformResponseTrailersAsync has read the usage: its window goes
                // back to the pool.
                var tail = new JsonUsageTail(httpContext.Response.Body);
                httpContext.Response.Body = tail;
                httpContext.Response.RegisterForDispose(tail);
            }

            return true;
        }

        var details = await UpstreamErrorReader.ReadAsync(proxyResponse, _upstream, redactor, timeProvider, cancellationToken);

        // A client that left while the body was read is answered as gone (the forwarder's error), not as the upstream's error.
        httpContext.RequestAborted.ThrowIfCancellationRequested();
        SetUpstreamRequestId(httpContext, request, upstreamRequestId ?? details.RequestId);
        foreach (var name in s_keptErrorHeaders)
        {
            if (proxyResponse.Headers.TryGetValues(name, out var kept))
            {
                httpContext.Response.Headers[name] = kept.ToArray();
            }
        }

        await errorWriter.WriteAsync(httpContext, ErrorCatalog.Upstream(statusCode, details));
        return false;
    }

    private static void SetUpstreamRequestId(HttpContext httpContext, ProxyRequestFeature request, string? upstreamRequestId)
    {
        var headers = httpContext.Response.Headers;
        headers.Remove(ProxyHeaderNames.RequestId);
        if (!string.IsNullOrEmpty(upstreamRequestId))
        {
            headers[ProxyHeaderNames.UpstreamRequestId] = upstreamRequestId;
            request.UpstreamRequestId = upstreamRequestId;
        }
    }

    /// <summary>
    /// Whether the media type YARP has just copied to the response is <c>text/event-stream</c> (parameters aside), read as
    /// the string it already is: <c>HttpContentHeaders.ContentType</c> would parse a new header object on every response.
    /// </summary>
    private static bool IsEventStream(HttpResponse response) => MediaType(response).SequenceEqual("text/event-stream");

    /// <summary>
    /// A JSON answer whose tokens can be read from its end; a compressed one passes unread (a metered key's answer is asked
    /// for uncompressed; one that comes compressed anyway is charged its reservation).
    /// Read from the strings YARP has copied to the response, as <see cref="IsEventStream"/> is, instead of parsing the
    /// upstream's <c>Content-Type</c> and <c>Content-Encoding</c> into header objects on every answer. A list where one
    /// media type belongs is no media type; an encoding that is not <c>identity</c>, well-formed or not, is compressed.
    /// </summary>
    private static bool IsUncompressedJson(HttpResponse response)
    {
        var mediaType = MediaType(response);
        if (!mediaType.Contains("json", StringComparison.OrdinalIgnoreCase) || mediaType.Contains(','))
        {
            return false;
        }

        foreach (var encodings in response.Headers.ContentEncoding)
        {
            var list = encodings.AsSpan();
            foreach (var range in list.Split(','))
            {
                var coding = list[range].Trim();
                if (!coding.IsEmpty && !coding.Equals("identity", StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// The last content coding the upstream applied (what a watcher must undo first), from the copied <c>Content-Encoding</c>
    /// values as <see cref="IsUncompressedJson"/> reads them; null when there is none. A lone coding is the header's own
    /// string, without a copy.
    /// </summary>
    private static string? LastContentCoding(HttpResponse response)
    {
        var encodings = response.Headers.ContentEncoding;
        for (var i = encodings.Count - 1; i >= 0; i--)
        {
            var list = encodings[i] ?? string.Empty;
            var end = list.Length;
            while (end > 0)
            {
                var start = list.LastIndexOf(',', end - 1) + 1;
                var coding = list.AsSpan(start, end - start).Trim();
                if (!coding.IsEmpty)
                {
                    return coding.Length == list.Length ? list : coding.ToString();
                }

                end = start - 1;
            }
        }

        return null;
    }

    /// <summary>The response's one media type, parameters aside; empty when it has none or several <c>Content-Type</c> values.</summary>
    private static ReadOnlySpan<char> MediaType(HttpResponse response)
    {
        var contentType = response.Headers.ContentType;
        if (contentType.Count != 1 || contentType[0] is not { } value)
        {
            return default;
        }

        var parameters = value.IndexOf(';', StringComparison.Ordinal);
        return (parameters < 0 ? value.AsSpan() : value.AsSpan(0, parameters)).Trim();
    }

    /// <summary>
    /// Once the whole body has been copied, a compressed stream's watcher has read the last of it: an error event at the
    /// very end is reported before the request is over.
    /// </summary>
    public override async ValueTask TransformResponseTrailersAsync(
        HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken)
    {
        if (httpContext.Response.Body is SseErrorDetectingStream watcher)
        {
            await watcher.CompleteAsync();
            var request = ProxyRequestFeature.Get(httpContext);
            if (request.UsageFilter is { } filter)
            {
                await filter.CompleteAsync(cancellationToken);
            }

            request.ResponseBytes = request.UsageFilter?.BytesWritten ?? watcher.BytesWritten;
        }
        else if (httpContext.Response.Body is JsonUsageTail tail)
        {
            var request = ProxyRequestFeature.Get(httpContext);
            request.ResponseBytes = tail.BytesWritten;
            if (tail.TryReadUsage(out var usage))
            {
                (request.PromptTokens, request.CompletionTokens) = (usage.PromptTokens, usage.CompletionTokens);
            }
        }

        await base.TransformResponseTrailersAsync(httpContext, proxyResponse, cancellationToken);
    }

    /// <summary>The body YARP copies next goes through a watcher that reports an error event once, and counts the bytes.</summary>
    private void WatchForErrorEvents(HttpContext httpContext, ProxyRequestFeature request, string? contentEncoding, CredentialRedactor redactor)
    {
        SseErrorDetectingStream? watcher = null;
        watcher = new SseErrorDetectingStream(httpContext.Response.Body, contentEncoding, message =>
        {
            request.ResponseBytes = watcher!.BytesWritten;
            request.StreamFailed = true;
            var bounded = UpstreamText.ForJson(message, UpstreamErrorParser.MaxMessageLength, redactor);
            errorWriter.Report(httpContext, request, ErrorCatalog.StreamError(bounded));
        }, usage => (request.PromptTokens, request.CompletionTokens) = (usage.PromptTokens, usage.CompletionTokens));
        httpContext.Response.Body = watcher;
        httpContext.Response.RegisterForDisposeAsync(watcher);
    }
}
