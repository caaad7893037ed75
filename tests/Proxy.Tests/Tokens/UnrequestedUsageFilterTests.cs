using System.Text;
using Proxy.Tests.Infrastructure;
using Proxy.Tokens;

namespace Proxy.Tests.Tokens;

/// <summary>
/// A client whose stream's usage the proxy asked for gets the stream it asked for: the usage chunk dropped with its event's
/// blank line, <c>"usage": null</c> taken out of every other chunk, everything else byte for byte, however the bytes are
/// split into writes and whatever the lines end with.
/// </summary>
public sealed class UnrequestedUsageFilterTests
{
    private const string Chunk = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]";
    private const string UsageChunk = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6}}";

    public static TheoryData<string, int> Splits => new()
    {
        { "\n", int.MaxValue },
        { "\n", 1 },
        { "\n", 7 },
        { "\r\n", 1 },
        { "\r\n", 5 },
        { "\r", 3 },
    };

    [Theory]
    [MemberData(nameof(Splits))]
    public async Task TheUsageAskedForOnTheClientsBehalf_IsTakenOut_AndNothingElse(string newline, int writeSize)
    {
        var asked = Events(newline, Chunk + ",\"usage\":null}", Chunk + ",\"usage\":null}", UsageChunk, "[DONE]");
        var expected = Events(newline, Chunk + "}", Chunk + "}", "[DONE]");

        Assert.Equal(expected, await FilterAsync(asked, writeSize));
    }

    [Fact]
    public async Task AUsageInAChunkWithChoices_IsTakenOutOfIt_TheChunkKept()
    {
        var asked = Events("\n", Chunk + ",\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6}}", "[DONE]");

        Assert.Equal(Events("\n", Chunk + "}", "[DONE]"), await FilterAsync(asked, 4));
    }

    [Fact]
    public async Task OtherLines_PassByteForByte()
    {
        var asked = ": keep-alive\n\nevent: message\ndata: not json \"usage\"\nid: 7\n\ndata: {\"choices\": [{\"delta\": {\"usage\": 5}}]}\n\ndata: {\"text\":\"\\\"usage\\\":null\"}\n\n";

        Assert.Equal(asked, await FilterAsync(asked, 3));
    }

    [Fact]
    public async Task ALineLongerThanTheBound_PassesUnfiltered()
    {
        var longChunk = "{\"choices\":[{\"delta\":{\"content\":\"" + new string('x', UnrequestedUsageFilter.MaxLineLength) + "\"}}],\"usage\":null}";
        var asked = Events("\n", longChunk, UsageChunk, "[DONE]");

        Assert.Equal(Events("\n", longChunk, "[DONE]"), await FilterAsync(asked, 1000));
    }

    [Fact]
    public async Task ALastLineWithoutAnEnd_IsWrittenOnCompletion()
    {
        var asked = "data: " + Chunk + "}\n\ndata: [DO";

        Assert.Equal(asked, await FilterAsync(asked, 2));
    }

    private static string Events(string newline, params string[] data) => string.Concat(data.Select(item => "data: " + item + newline + newline));

    private static async Task<string> FilterAsync(string stream, int writeSize)
    {
        var bytes = Encoding.UTF8.GetBytes(stream);
        using var inner = new MemoryStream();
        await using var filter = new UnrequestedUsageFilter(inner);
        for (var at = 0; at < bytes.Length; at += writeSize)
        {
            await filter.WriteAsync(bytes.AsMemory(at, Math.Min(writeSize, bytes.Length - at)));
        }

        await filter.CompleteAsync();
        Assert.Equal(inner.Length, filter.BytesWritten);
        return Encoding.UTF8.GetString(inner.ToArray());
    }

    [Theory]
    [MemberData(nameof(MalformedJson.Cases), MemberType = typeof(MalformedJson))]
    public async Task MalformedBytes_AreData_AndTheEventsAfterThemPass(string malformed)
    {
        var bytes = new List<byte>();
        foreach (var path in new[] { new[] { "usage" }, ["choices"], ["usage", "prompt_tokens"] })
        {
            bytes.AddRange("data: "u8.ToArray());
            bytes.AddRange(MalformedJson.At(malformed, path));
            bytes.AddRange("\n\n"u8.ToArray());
        }

        bytes.AddRange(Encoding.UTF8.GetBytes(Events("\n", Chunk + "}", "[DONE]")));
        using var inner = new MemoryStream();
        await using (var filter = new UnrequestedUsageFilter(inner))
        {
            await filter.WriteAsync(bytes.ToArray());
            await filter.CompleteAsync();
        }

        Assert.EndsWith(Events("\n", Chunk + "}", "[DONE]"), Encoding.UTF8.GetString(inner.ToArray()), StringComparison.Ordinal);
    }
}
