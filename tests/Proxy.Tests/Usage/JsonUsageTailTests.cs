using System.Text;
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

    [Theory]
    [InlineData("{\"choices\":[],\"usage\":null}")]
    [InlineData("{\"message\":\"say \\\"usage\\\": {\\\"prompt_tokens\\\": 9}\"}")]
    [InlineData("{\"usage\":{\"prompt_tokens\":3,\"completion_tok")]
    public void TextWithoutAWholeUsageObject_IsNoUsage(string json) =>
        Assert.False(TokenUsage.TryFind(Encoding.UTF8.GetBytes(json), out _));
}
