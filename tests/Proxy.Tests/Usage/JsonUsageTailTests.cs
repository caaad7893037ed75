using System.Text;
using Proxy.Tests.Infrastructure;
using Proxy.Usage;

namespace Proxy.Tests.Usage;

/// <summary>
/// A JSON answer's tokens are read from its last bytes as it passes: whatever the sizes of the writes, the client gets the
/// body unchanged and the ledger the <c>usage</c> at its end, and text that only looks like usage is not taken for it.
/// </summary>
public sealed class JsonUsageTailTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(JsonUsageTail.TailLength)]
    [InlineData(JsonUsageTail.TailLength + 1000)]
    public async Task ALongAnswer_PassesUnchanged_AndItsUsageIsRead(int writeSize)
    {
        // Longer than the window, with "usage" in the content too (escaped, as JSON writes a quote inside a string).
        var content = new string('x', 3 * JsonUsageTail.TailLength) + "\\\"usage\\\": {\\\"prompt_tokens\\\": 1}";
        var body = Encoding.UTF8.GetBytes(
            $"{{\"choices\":[{{\"message\":{{\"content\":\"{content}\"}}}}],\"usage\":{{\"prompt_tokens\":17,\"completion_tokens\":23," +
            "\"completion_tokens_details\":{\"reasoning_tokens\":4}},\"system_fingerprint\":\"fp\"}");
        using var client = new MemoryStream();
        await using var tail = new JsonUsageTail(client);

        for (var offset = 0; offset < body.Length; offset += writeSize)
        {
            await tail.WriteAsync(body.AsMemory(offset, Math.Min(writeSize, body.Length - offset)));
        }

        Assert.Equal(body, client.ToArray());
        Assert.Equal(body.Length, tail.BytesWritten);
        Assert.True(tail.TryReadUsage(out var usage));
        Assert.Equal(new TokenUsage(17, 23), usage);
    }

    /// <summary>
    /// The proxy reads the usage once the body has gone by, and the window goes back to the pool when the response's
    /// disposables run: read before that it is the body's; read after it there is none, and a late write still reaches
    /// the client, unwatched.
    /// </summary>
    [Fact]
    public async Task UsageReadAfterTheBodyEnds_IsTheBodys_AndAfterDisposeThereIsNone()
    {
        var body = Answer(new string('x', 2 * JsonUsageTail.TailLength), prompt: 17, completion: 23);
        using var client = new MemoryStream();
        var tail = new JsonUsageTail(client);
        await tail.WriteAsync(body.AsMemory(0, 1000));
        await tail.WriteAsync(body.AsMemory(1000));

        Assert.True(tail.TryReadUsage(out var usage));
        Assert.Equal(new TokenUsage(17, 23), usage);

        // A second read (the window was rotated in place by the first) finds the same.
        Assert.True(tail.TryReadUsage(out usage));
        Assert.Equal(new TokenUsage(17, 23), usage);

        tail.Dispose();
        tail.Dispose();
        Assert.False(tail.TryReadUsage(out usage));
        Assert.Equal(default, usage);

        await tail.WriteAsync("late"u8.ToArray());
        Assert.Equal(body.Concat("late"u8.ToArray()), client.ToArray());
        Assert.False(tail.TryReadUsage(out _));
    }

    /// <summary>A window read mid-body keeps its order: what is written after the read still ends up as the tail.</summary>
    [Fact]
    public async Task WritesAfterARead_StillMakeTheTail()
    {
        var body = Answer(new string('y', JsonUsageTail.TailLength + 123), prompt: 3, completion: 4);
        using var client = new MemoryStream();
        await using var tail = new JsonUsageTail(client);
        var split = body.Length - 300;
        await tail.WriteAsync(body.AsMemory(0, split));
        Assert.False(tail.TryReadUsage(out _));

        await tail.WriteAsync(body.AsMemory(split));
        Assert.True(tail.TryReadUsage(out var usage));
        Assert.Equal(new TokenUsage(3, 4), usage);
        Assert.Equal(body, client.ToArray());
    }

    /// <summary>
    /// A pooled window comes back with the last response's bytes in it: a short answer without usage that gets it next
    /// must not be credited with the earlier answer's tokens, and an answer with no body has no usage.
    /// </summary>
    [Fact]
    public async Task AReusedWindow_DoesNotCarryTheLastAnswersUsage()
    {
        for (var i = 0; i < 4; i++)
        {
            using var first = new JsonUsageTail(Stream.Null);
            await first.WriteAsync(Answer(new string('z', JsonUsageTail.TailLength), prompt: 17, completion: 23));
            Assert.True(first.TryReadUsage(out _));
        }

        using var empty = new JsonUsageTail(Stream.Null);
        Assert.False(empty.TryReadUsage(out _));

        using var second = new JsonUsageTail(Stream.Null);
        await second.WriteAsync("{\"choices\":[]}"u8.ToArray());
        Assert.False(second.TryReadUsage(out _));
    }

    private static byte[] Answer(string content, long prompt, long completion) => Encoding.UTF8.GetBytes(
        $"{{\"choices\":[{{\"message\":{{\"content\":\"{content}\"}}}}],\"usage\":{{\"prompt_tokens\":{prompt},\"completion_tokens\":{completion}}}}}");

    [Theory]
    [InlineData("{\"choices\":[],\"usage\":null}")]
    [InlineData("{\"message\":\"say \\\"usage\\\": {\\\"prompt_tokens\\\": 9}\"}")]
    [InlineData("{\"usage\":{\"prompt_tokens\":3,\"completion_tok")]
    public void TextWithoutAWholeUsageObject_IsNoUsage(string json) =>
        Assert.False(TokenUsage.TryFind(Encoding.UTF8.GetBytes(json), out _));

    [Theory]
    [MemberData(nameof(MalformedJson.Cases), MemberType = typeof(MalformedJson))]
    public async Task MalformedBytes_PassUnchanged_AndAreData(string malformed)
    {
        var body = MalformedJson.At(malformed, "usage", "completion_tokens");
        using var client = new MemoryStream();
        await using var tail = new JsonUsageTail(client);

        await tail.WriteAsync(body);

        Assert.Equal(body, client.ToArray());
        if (tail.TryReadUsage(out var usage))
        {
            Assert.True(usage.PromptTokens >= 0 && usage.CompletionTokens >= 0, $"{usage}");
        }
    }
}
