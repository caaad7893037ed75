using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
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
/// An OpenAI-compatible upstream that reports token usage the way the real ones do, for the token budget's tests: chat and
/// legacy completions (JSON, and streams that carry their usage only when <c>stream_options.include_usage</c> asks, with
/// <c>"usage": null</c> on every other chunk, as OpenAI sends them), the Responses API (<c>input_tokens</c> and
/// <c>output_tokens</c>, streamed in <c>response.completed</c>), and embeddings. Every answer is compressed when the
/// request accepts gzip, as an upstream behind a CDN does. Each answer uses <see cref="PromptTokens"/> and
/// <see cref="CompletionTokens"/>, the latter cut to the request's cap. A model name picks a hostile answer: <c>overflow</c>
/// reports a prompt of <see cref="long.MaxValue"/> tokens, <c>no-usage</c> reports none, <c>error-null</c> sends
/// <c>"error": null</c> on every chunk, <c>stream-error</c> sends an error event before its usage.
/// </summary>
internal sealed class MeteringUpstream : IAsyncDisposable
{
    public const int PromptTokens = 100;
    public const int CompletionTokens = 200;

    private readonly WebApplication _app;

    private MeteringUpstream(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every request's target, headers and body, as received.</summary>
    public ConcurrentQueue<(string Target, IReadOnlyDictionary<string, string> Headers, string Body)> Requests { get; } = new();

    public static async Task<MeteringUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var upstream = new MeteringUpstream(app);
        app.MapPost("/v1/chat/completions", context => upstream.AnswerAsync(context, Api.Chat));
        app.MapPost("/v1/completions", context => upstream.AnswerAsync(context, Api.Completions));
        app.MapPost("/v1/responses", context => upstream.AnswerAsync(context, Api.Responses));
        app.MapPost("/v1/embeddings", context => upstream.AnswerAsync(context, Api.Embeddings));
        await app.StartAsync();
        upstream.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        return upstream;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>The tokens an answer to a request with completion cap <paramref name="cap"/> reports.</summary>
    public static long AnswerTokens(long? cap = null) => PromptTokens + Math.Min(CompletionTokens, cap ?? CompletionTokens);

    private enum Api
    {
        Chat,
        Completions,
        Responses,
        Embeddings,
    }

    private async Task AnswerAsync(HttpContext context, Api api)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        Requests.Enqueue((context.Request.Path.Value!, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), text));
        var request = JsonNode.Parse(text)!.AsObject();
        var model = (string?)request["model"] ?? "gpt";
        var cap = (long?)(request["max_tokens"] ?? request["max_completion_tokens"] ?? request["max_output_tokens"]);
        long prompt = model == "overflow" ? long.MaxValue : PromptTokens;
        var completion = api == Api.Embeddings ? 0 : Math.Min(CompletionTokens, cap ?? CompletionTokens);
        var stream = (bool?)request["stream"] == true;

        var body = context.Response.Body;
        GZipStream? gzip = null;
        if (context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Headers.ContentEncoding = "gzip";
            gzip = new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true);
            body = gzip;
        }

        try
        {
            if (!stream)
            {
                context.Response.ContentType = "application/json";
                await WriteAsync(body, JsonAnswer(api, model, prompt, completion));
            }
            else
            {
                context.Response.ContentType = "text/event-stream";
                var includeUsage = (bool?)request["stream_options"]?["include_usage"] == true;
                foreach (var line in api == Api.Responses ? ResponsesEvents(model, prompt, completion) : ChunkEvents(api, model, prompt, completion, includeUsage))
                {
                    await WriteAsync(body, line);
                    if (gzip is not null)
                    {
                        await gzip.FlushAsync();
                    }

                    await context.Response.Body.FlushAsync();
                }
            }
        }
        finally
        {
            if (gzip is not null)
            {
                await gzip.DisposeAsync();
            }
        }
    }

    private static Task WriteAsync(Stream body, string text) => body.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask();

    private static JsonObject? Usage(Api api, string model, long prompt, long completion) => model == "no-usage" ? null : api switch
    {
        Api.Responses => new JsonObject { ["input_tokens"] = prompt, ["output_tokens"] = completion, ["total_tokens"] = prompt == long.MaxValue ? prompt : prompt + completion },
        Api.Embeddings => new JsonObject { ["prompt_tokens"] = prompt, ["total_tokens"] = prompt },
        _ => new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion, ["total_tokens"] = prompt == long.MaxValue ? prompt : prompt + completion },
    };

    private static string JsonAnswer(Api api, string model, long prompt, long completion)
    {
        var answer = api switch
        {
            Api.Responses => new JsonObject
            {
                ["id"] = "resp_fake",
                ["object"] = "response",
                ["status"] = "completed",
                ["model"] = model,
                ["output"] = new JsonArray(new JsonObject { ["type"] = "message", ["content"] = new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = "Hi" }) }),
            },
            Api.Embeddings => new JsonObject
            {
                ["object"] = "list",
                ["model"] = model,
                ["data"] = new JsonArray(new JsonObject { ["object"] = "embedding", ["index"] = 0, ["embedding"] = new JsonArray(0.1, 0.2) }),
            },
            _ => new JsonObject
            {
                ["id"] = "cmpl-fake",
                ["object"] = api == Api.Chat ? "chat.completion" : "text_completion",
                ["model"] = model,
                ["choices"] = new JsonArray(api == Api.Chat
                    ? new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "Hi" }, ["finish_reason"] = "stop" }
                    : new JsonObject { ["index"] = 0, ["text"] = "Hi", ["finish_reason"] = "stop" }),
            },
        };
        if (Usage(api, model, prompt, completion) is { } usage)
        {
            answer["usage"] = usage;
        }

        return answer.ToJsonString();
    }

    /// <summary>A chat or completions stream as OpenAI sends it: <c>"usage": null</c> on every chunk and a last usage chunk, only when asked for.</summary>
    private static IEnumerable<string> ChunkEvents(Api api, string model, long prompt, long completion, bool includeUsage)
    {
        for (var i = 0; i < 3; i++)
        {
            var chunk = new JsonObject
            {
                ["id"] = "cmpl-fake",
                ["object"] = api == Api.Chat ? "chat.completion.chunk" : "text_completion",
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["content"] = "Hi " + i }, ["finish_reason"] = null }),
            };
            if (includeUsage)
            {
                chunk["usage"] = null;
            }

            if (model == "error-null")
            {
                chunk["error"] = null;
            }

            yield return "data: " + chunk.ToJsonString() + "\n\n";
        }

        if (model == "stream-error")
        {
            yield return "data: " + new JsonObject { ["error"] = new JsonObject { ["message"] = "generation failed", ["type"] = "server_error" } }.ToJsonString() + "\n\n";
        }

        if (includeUsage && Usage(api, model, prompt, completion) is { } usage)
        {
            var last = new JsonObject { ["id"] = "cmpl-fake", ["object"] = "chat.completion.chunk", ["model"] = model, ["choices"] = new JsonArray(), ["usage"] = usage };
            if (model == "error-null")
            {
                last["error"] = null;
            }

            yield return "data: " + last.ToJsonString() + "\n\n";
        }

        yield return "data: [DONE]\n\n";
    }

    /// <summary>A Responses API stream: its usage only in <c>response.completed</c>, which carries the whole response.</summary>
    private static IEnumerable<string> ResponsesEvents(string model, long prompt, long completion)
    {
        var response = new JsonObject { ["id"] = "resp_fake", ["object"] = "response", ["status"] = "in_progress", ["model"] = model, ["usage"] = null };
        yield return "event: response.created\ndata: " + new JsonObject { ["type"] = "response.created", ["response"] = response.DeepClone() }.ToJsonString() + "\n\n";
        yield return "event: response.output_text.delta\ndata: " + new JsonObject { ["type"] = "response.output_text.delta", ["delta"] = "Hi" }.ToJsonString() + "\n\n";
        response["status"] = "completed";
        response.Remove("usage");
        response["output"] = new JsonArray(new JsonObject { ["type"] = "message", ["content"] = new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = new string('x', 20_000) }) });
        response["usage"] = Usage(Api.Responses, model, prompt, completion);
        response["tools"] = new JsonArray([.. Enumerable.Range(0, 40).Select(i => (JsonNode)new JsonObject { ["type"] = "function", ["name"] = "tool_" + i, ["description"] = new string('d', 200) })]);
        yield return "event: response.completed\ndata: " + new JsonObject { ["type"] = "response.completed", ["response"] = response }.ToJsonString() + "\n\n";
    }
}
