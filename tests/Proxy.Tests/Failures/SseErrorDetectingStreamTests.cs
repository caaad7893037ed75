using System.Text;
using Proxy.Failures;
using Proxy.Tests.Infrastructure;
using Proxy.Usage;

namespace Proxy.Tests.Failures;

/// <summary>
/// The stream watcher tells a failed 200 stream (an error event) from a sound one, and reads the stream's usage wherever it
/// is: after an error, and in a line too long to hold whole, as the Responses API's <c>response.completed</c> is.
/// </summary>
public sealed class SseErrorDetectingStreamTests
{
    [Fact]
    public async Task ErrorNullOnEveryChunk_IsNoError_AndTheUsageAfterItIsRead()
    {
        var (errors, usage) = await WatchAsync(
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}],\"error\":null}\n\n" +
            "data: {\"choices\":[],\"error\":null,\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6}}\n\ndata: [DONE]\n\n");

        Assert.Empty(errors);
        Assert.Equal(new TokenUsage(5, 6), usage);
    }

    [Fact]
    public async Task AnErrorEvent_IsReportedOnce_AndTheUsageAfterItIsStillRead()
    {
        var (errors, usage) = await WatchAsync(
            "data: {\"error\":{\"message\":\"generation failed\"}}\n\ndata: {\"error\":{\"message\":\"again\"}}\n\n" +
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6}}\n\n");

        Assert.Equal("generation failed", Assert.Single(errors));
        Assert.Equal(new TokenUsage(5, 6), usage);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(30_000)]
    public async Task TheUsageOfALineTooLongToHold_IsRead_WhereverItIs(int textAfterUsage)
    {
        var completed = "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"output\":[{\"text\":\"" + new string('x', 50_000) +
            "\"}],\"usage\":{\"input_tokens\":100,\"output_tokens\":200},\"tools\":\"" + new string('t', textAfterUsage) + "\"}}\n\n";

        var (errors, usage) = await WatchAsync(completed);

        Assert.Empty(errors);
        Assert.Equal(new TokenUsage(100, 200), usage);
    }

    private static async Task<(List<string?> Errors, TokenUsage? Usage)> WatchAsync(string stream)
    {
        var errors = new List<string?>();
        TokenUsage? usage = null;
        using var inner = new MemoryStream();
        await using (var watcher = new SseErrorDetectingStream(inner, null, errors.Add, read => usage = read))
        {
            var bytes = Encoding.UTF8.GetBytes(stream);
            for (var at = 0; at < bytes.Length; at += 4096)
            {
                await watcher.WriteAsync(bytes.AsMemory(at, Math.Min(4096, bytes.Length - at)));
            }

            await watcher.CompleteAsync();
        }

        Assert.Equal(stream, Encoding.UTF8.GetString(inner.ToArray()));
        return (errors, usage);
    }

    [Theory]
    [MemberData(nameof(MalformedJson.Cases), MemberType = typeof(MalformedJson))]
    public async Task MalformedBytes_PassUnchanged_AndAreData(string malformed)
    {
        var bytes = new List<byte>();
        foreach (var path in new[] { new[] { "error" }, ["error", "message"], ["usage", "prompt_tokens"], ["response", "usage"] })
        {
            bytes.AddRange("data: "u8.ToArray());
            bytes.AddRange(MalformedJson.At(malformed, path));
            bytes.AddRange("\n\n"u8.ToArray());
        }

        var errors = new List<string?>();
        using var inner = new MemoryStream();
        await using (var watcher = new SseErrorDetectingStream(inner, null, errors.Add, usage => Assert.True(usage.PromptTokens >= 0, $"{usage}")))
        {
            await watcher.WriteAsync(bytes.ToArray());
            await watcher.CompleteAsync();
        }

        Assert.Equal(bytes.ToArray(), inner.ToArray());
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        Assert.All(errors, error => strict.GetByteCount(error ?? ""));
    }
}
