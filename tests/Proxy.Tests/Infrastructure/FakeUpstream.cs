using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// An OpenAI-compatible upstream on Kestrel, on a free loopback port: chat completions (plain and streamed),
/// uploads, downloads, stalls, and errors in every shape the AI/ML API and OpenAI send. It records what it receives.
/// </summary>
internal sealed class FakeUpstream : IAsyncDisposable
{
    public const string ChatContent = "Hello from the fake upstream.";
    public static readonly string[] StreamedPieces = ["Hello", " from", " the", " fake", " upstream."];

    /// <summary>The <c>usage</c> of every plain completion.</summary>
    public const int PromptTokens = 5, CompletionTokens = 6;

    /// <summary>The <c>usage</c> of a streamed completion that asked for it (<c>stream_options.include_usage</c>), in its last chunk.</summary>
    public const int StreamPromptTokens = 7, StreamCompletionTokens = 13;

    private readonly WebApplication _app;
    // Armed by HoldNextStream only: a stream with no test holding it (the usage tests', the SDKs', which ask for their usage)
    // is never held.
    private TaskCompletionSource? _streamGate;
    private TaskCompletionSource _streamAborted = NewSignal();

    private FakeUpstream(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>True when a held stream was released by its own time limit instead of by the test.</summary>
    public bool StreamReleasedByTimeout { get; private set; }

    public static async Task<FakeUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;

            // Header values go out as Latin-1, byte for byte, so that an endpoint can send a byte outside ASCII.
            kestrel.ResponseHeaderEncodingSelector = _ => Encoding.Latin1;
        });
        var app = builder.Build();
        var upstream = new FakeUpstream(app);
        upstream.MapEndpoints();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        upstream.BaseAddress = new Uri(address);
        return upstream;
    }

    /// <summary>The next streamed completion sends its first event, then waits until <see cref="ReleaseStream"/>.</summary>
    public void HoldNextStream()
    {
        _streamGate = NewSignal();
        StreamReleasedByTimeout = false;
    }

    public void ReleaseStream() => _streamGate?.TrySetResult();

    /// <summary>Completes when a <c>/v1/slow-stream</c> request is cancelled from the proxy's side.</summary>
    public Task WaitForStreamAbortAsync(TimeSpan timeout) => _streamAborted.Task.WaitAsync(timeout);

    public void ResetStreamAbort() => _streamAborted = NewSignal();

    public RecordedRequest? LastRequestTo(string target) => Requests.LastOrDefault(request => request.Target == target);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void MapEndpoints()
    {
        _app.Use(async (context, next) =>
        {
            var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
            var headers = context.Request.Headers.ToDictionary(header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            Requests.Enqueue(new RecordedRequest(context.Request.Method, target, headers));
            context.Response.Headers["x-request-id"] = UpstreamRequestIdFor(context.Request);
            await next(context);
        });

        _app.MapPost("/v1/chat/completions", ChatCompletionsAsync);
        _app.MapPost("/v1/upload", UploadAsync);
        _app.MapGet("/v1/download", DownloadAsync);
        _app.MapGet("/v1/slow-stream", SlowStreamAsync);
        _app.MapGet("/v1/stall", StallAsync);
        _app.MapGet("/v1/echo", context =>
        {
            // As a public API might: any page may read it. The proxy's operator, not the upstream, decides that.
            context.Response.Headers.AccessControlAllowOrigin = "*";
            return context.Response.WriteAsJsonAsync(new { ok = true });
        });
        _app.Map("/v1/errors/{shape}/{status:int}", ErrorAsync);
        _app.MapGet("/v1/sse-error", SseErrorAsync);
        _app.MapGet("/v1/held-stream", HeldStreamAsync);
        _app.MapGet("/v1/sse-quick", QuickStreamAsync);
        _app.MapGet("/v1/gzip-error", GzipErrorAsync);
        HostileUpstreamEndpoints.Map(_app);
    }

    /// <summary>Its own request id; <c>?upstreamRequestIdLength=N</c> makes it N characters long, for the bounds on what the proxy keeps of it.</summary>
    private static string UpstreamRequestIdFor(HttpRequest request) =>
        int.TryParse(request.Query["upstreamRequestIdLength"], CultureInfo.InvariantCulture, out var length)
            ? new string('r', length)
            : "upstream-" + Guid.NewGuid().ToString("N");

    private async Task ChatCompletionsAsync(HttpContext context)
    {
        using var request = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var model = request.RootElement.GetProperty("model").GetString();
        var stream = request.RootElement.TryGetProperty("stream", out var streamFlag) && streamFlag.GetBoolean();
        if (model is not null && model.StartsWith("fail-", StringComparison.Ordinal))
        {
            // "fail-429" answers 429 in the AI/ML API's documented shape.
            await WriteErrorAsync(context, "aimlapi", int.Parse(model["fail-".Length..], CultureInfo.InvariantCulture));
            return;
        }

        if (!stream)
        {
            await context.Response.WriteAsJsonAsync(new
            {
                id = "chatcmpl-fake",
                @object = "chat.completion",
                created = 1_700_000_000,
                model,
                choices = new[] { new { index = 0, message = new { role = "assistant", content = ChatContent }, finish_reason = "stop" } },
                usage = new { prompt_tokens = PromptTokens, completion_tokens = CompletionTokens, total_tokens = PromptTokens + CompletionTokens },
            });
            return;
        }

        var includeUsage = request.RootElement.TryGetProperty("stream_options", out var options)
            && options.TryGetProperty("include_usage", out var include) && include.GetBoolean();
        context.Response.ContentType = "text/event-stream";
        for (var i = 0; i < StreamedPieces.Length; i++)
        {
            await WriteEventAsync(context, Chunk(model, StreamedPieces[i], finishReason: null));
            if (i == 0 && _streamGate is { } gate)
            {
                var released = await Task.WhenAny(gate.Task, Task.Delay(TimeSpan.FromSeconds(10)));
                StreamReleasedByTimeout = released != gate.Task;
            }
        }

        await WriteEventAsync(context, Chunk(model, content: null, finishReason: "stop"));
        if (includeUsage)
        {
            // As OpenAI sends it: one more chunk with no choices, and the whole stream's usage.
            await WriteEventAsync(context, JsonSerializer.Serialize(new
            {
                id = "chatcmpl-fake",
                @object = "chat.completion.chunk",
                created = 1_700_000_000,
                model,
                choices = Array.Empty<object>(),
                usage = new { prompt_tokens = StreamPromptTokens, completion_tokens = StreamCompletionTokens, total_tokens = StreamPromptTokens + StreamCompletionTokens },
            }));
        }

        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    private static string Chunk(string? model, string? content, string? finishReason) => JsonSerializer.Serialize(new
    {
        id = "chatcmpl-fake",
        @object = "chat.completion.chunk",
        created = 1_700_000_000,
        model,
        choices = new[] { new { index = 0, delta = content is null ? (object)new { } : new { role = "assistant", content }, finish_reason = finishReason } },
    });

    private static async Task WriteEventAsync(HttpContext context, string data)
    {
        await context.Response.WriteAsync("data: " + data + "\n\n");
        await context.Response.Body.FlushAsync();
    }

    public const string StreamErrorMessage = "model overloaded mid-stream";

    /// <summary>A 200 event stream that carries an error event halfway, as upstreams do when generation fails.</summary>
    private static async Task SseErrorAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        await WriteEventAsync(context, Chunk("gpt-4o-mini", "Hel", finishReason: null));
        await WriteEventAsync(context, JsonSerializer.Serialize(new { error = new { message = StreamErrorMessage, type = "server_error" } }));
        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    private static async Task UploadAsync(HttpContext context)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            total += read;
        }

        await context.Response.WriteAsJsonAsync(new { bytes = total });
    }

    private static async Task DownloadAsync(HttpContext context)
    {
        var remaining = long.Parse(context.Request.Query["bytes"]!, CultureInfo.InvariantCulture);
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = remaining;
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'x');
        while (remaining > 0)
        {
            var size = (int)Math.Min(chunk.Length, remaining);
            await context.Response.Body.WriteAsync(chunk.AsMemory(0, size), context.RequestAborted);
            remaining -= size;
        }
    }

    /// <summary>A stream that never ends by itself: a heartbeat event every 100 ms until the caller goes away.</summary>
    private async Task SlowStreamAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        try
        {
            for (var i = 0; i < 600; i++)
            {
                await WriteEventAsync(context, "{\"heartbeat\":" + i.ToString(CultureInfo.InvariantCulture) + "}");
                await Task.Delay(100, context.RequestAborted);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            _streamAborted.TrySetResult();
        }
    }

    /// <summary>A short stream: one event at once, a second 5 ms later, then the end.</summary>
    private static async Task QuickStreamAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        await WriteEventAsync(context, "{\"n\":1}");
        await Task.Delay(5, context.RequestAborted);
        await WriteEventAsync(context, "{\"n\":2}");
        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    /// <summary>One event at once, then nothing until the caller goes away: an open stream that costs no CPU.</summary>
    private static async Task HeldStreamAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        await WriteEventAsync(context, "{\"held\":true}");
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task StallAsync(HttpContext context)
    {
        var milliseconds = int.Parse(context.Request.Query["ms"]!, CultureInfo.InvariantCulture);
        await Task.Delay(milliseconds, context.RequestAborted);
        await context.Response.WriteAsync("late");
    }

    /// <summary>The message every error shape carries, so a test can tell it came through.</summary>
    public static string ErrorMessage(string shape, int status) => $"Upstream says {status} in the {shape} shape";

    private static Task ErrorAsync(HttpContext context) => WriteErrorAsync(
        context,
        (string)context.Request.RouteValues["shape"]!,
        int.Parse((string)context.Request.RouteValues["status"]!, CultureInfo.InvariantCulture));

    private static async Task WriteErrorAsync(HttpContext context, string shape, int status)
    {
        var message = ErrorMessage(shape, status);
        context.Response.StatusCode = status;
        switch (shape)
        {
            case "aimlapi":
                await context.Response.WriteAsJsonAsync(new
                {
                    message,
                    path = context.Request.Path.Value,
                    requestId = "body-request-id",
                    statusCode = status,
                    timestamp = "2025-03-11T07:13:27.813Z",
                });
                break;
            case "aimlapi-v2":
                await context.Response.WriteAsJsonAsync(new
                {
                    title = "Some Title",
                    status,
                    message,
                    instance = context.Request.Path.Value,
                    timestamp = "2025-03-11T07:13:27.813Z",
                    error = new { name = "SomeException", message = "inner " + message, data = new { } },
                });
                break;
            case "openai":
                await context.Response.WriteAsJsonAsync(new { error = new { message, type = "upstream_type", code = "upstream_code" } });
                break;
            case "openai-null-code":
                await context.Response.WriteAsJsonAsync(new { error = new { message, type = "upstream_type", code = (string?)null } });
                break;
            case "text":
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync(message);
                break;
            case "empty":
                break;
            default:
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                break;
        }
    }

    private static async Task GzipErrorAsync(HttpContext context)
    {
        var json = Encoding.UTF8.GetBytes("{\"error\":{\"message\":\"compressed trouble\",\"type\":\"t\",\"code\":\"c\"}}");
        using var compressed = new MemoryStream();
        await using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(json);
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "application/json";
        context.Response.Headers.ContentEncoding = "gzip";
        await context.Response.Body.WriteAsync(compressed.ToArray());
    }
}
