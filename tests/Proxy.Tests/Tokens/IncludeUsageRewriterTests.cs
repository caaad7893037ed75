using System.Buffers;
using System.Text;
using Proxy.Tests.Infrastructure;
using Proxy.Tokens;

namespace Proxy.Tests.Tokens;

/// <summary>
/// A stream's usage is asked for on the client's behalf by setting <c>stream_options.include_usage</c> to true, and
/// nothing else of the body changes: the client's other options stay, byte for byte.
/// </summary>
public sealed class IncludeUsageRewriterTests
{
    [Theory]
    [InlineData("{\"model\":\"m\",\"stream\":true}",
        "{\"stream_options\":{\"include_usage\":true},\"model\":\"m\",\"stream\":true}")]
    [InlineData("{ \"model\": \"m\", \"stream\": true }",
        "{\"stream_options\":{\"include_usage\":true}, \"model\": \"m\", \"stream\": true }")]
    [InlineData("{\"stream\":true,\"stream_options\":{\"include_usage\":false,\"include_obfuscation\":false}}",
        "{\"stream\":true,\"stream_options\":{\"include_usage\":true,\"include_obfuscation\":false}}")]
    [InlineData("{\"stream\":true,\"stream_options\":{\"include_usage\":false,\"include_usage\":false}}",
        "{\"stream\":true,\"stream_options\":{\"include_usage\":true}}")]
    [InlineData("{\"stream\":true,\"stream_options\":null}",
        "{\"stream\":true,\"stream_options\":{\"include_usage\":true}}")]
    [InlineData("{\"stream_options\":{\"x\":1},\"stream\":true,\"stream_options\":{\"include_usage\":false}}",
        "{\"stream_options\":{\"x\":1},\"stream\":true,\"stream_options\":{\"include_usage\":true}}")]
    public void IncludeUsage_IsSetTrue_AndNothingElseChanges(string body, string expected)
    {
        var output = new ArrayBufferWriter<byte>();

        Assert.True(IncludeUsageRewriter.TryRewrite(Encoding.UTF8.GetBytes(body), output));
        Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("{\"stream\":true")]
    [InlineData("{\"stream\":true} trailing")]
    public void ABodyThatIsNotOneJsonObject_IsLeftAlone(string body)
    {
        var output = new ArrayBufferWriter<byte>();

        Assert.False(IncludeUsageRewriter.TryRewrite(Encoding.UTF8.GetBytes(body), output));
        Assert.Equal(0, output.WrittenCount);
    }

    [Theory]
    [MemberData(nameof(MalformedJson.Cases), MemberType = typeof(MalformedJson))]
    public void MalformedBytes_AreData(string malformed)
    {
        foreach (var path in new[] { new[] { "stream_options" }, ["stream_options", "include_usage"], ["stream"] })
        {
            var output = new ArrayBufferWriter<byte>();
            var rewritten = IncludeUsageRewriter.TryRewrite(MalformedJson.At(malformed, path), output);

            Assert.True(rewritten || output.WrittenCount == 0, "a body not rewritten is left to be forwarded as it came");
        }
    }
}
