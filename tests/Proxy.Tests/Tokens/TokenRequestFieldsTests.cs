using System.Text;
using Proxy.Tests.Infrastructure;
using Proxy.Tokens;

namespace Proxy.Tests.Tokens;

/// <summary>
/// What a request body says of its tokens before the call: its completion cap (the largest a duplicate or a second name
/// gives, times its choices), its text's bytes with the data URLs of its images and files left out, and whether it streams
/// without asking for its usage. A body that is not a JSON object is read as data, never thrown on.
/// </summary>
public sealed class TokenRequestFieldsTests
{
    [Theory]
    [InlineData("{\"model\":\"m\",\"max_tokens\":50}", 50L)]
    [InlineData("{\"model\":\"m\",\"max_completion_tokens\":70}", 70L)]
    [InlineData("{\"model\":\"m\",\"max_output_tokens\":90}", 90L)]
    [InlineData("{\"max_tokens\":10,\"max_tokens\":100000}", 100000L)]
    [InlineData("{\"max_tokens\":100000,\"max_tokens\":10}", 100000L)]
    [InlineData("{\"max_tokens\":10,\"max_completion_tokens\":500}", 500L)]
    [InlineData("{\"max_tokens\":50,\"n\":4}", 200L)]
    [InlineData("{\"max_tokens\":50,\"best_of\":3,\"n\":2}", 150L)]
    [InlineData("{\"max_tokens\":1e40}", long.MaxValue)]
    [InlineData("{\"max_tokens\":9223372036854775807,\"n\":2}", long.MaxValue)]
    [InlineData("{\"max_tokens\":\"100\"}", null)]
    [InlineData("{\"max_tokens\":-1}", null)]
    [InlineData("{\"max_tokens\":10.5}", null)]
    [InlineData("{\"messages\":[{\"max_tokens\":5}]}", null)]
    public void TheCompletionCap_IsTheLargestGiven_TimesTheChoices(string json, long? cap) =>
        Assert.Equal(cap, Read(json).CompletionCap);

    [Fact]
    public void ImagesAndFiles_AreAttachments_TheirDataUrlsNotCountedAsText()
    {
        var image = "data:image/png;base64," + new string('A', 40_000);
        var pdf = "data:application/pdf;base64," + new string('B', 10_000);
        var json = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":["
            + "{\"type\":\"text\",\"text\":\"What is this?\"},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + image + "\",\"detail\":\"high\"}},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}},"
            + "{\"type\":\"file\",\"file\":{\"file_data\":\"" + pdf + "\",\"filename\":\"a.pdf\"}},"
            + "{\"type\":\"file\",\"file\":{\"file_id\":\"file-123\"}}]}]}";

        var fields = Read(json);

        Assert.Equal(4, fields.Attachments);
        Assert.Equal(Encoding.UTF8.GetByteCount(json) - image.Length - pdf.Length, fields.TextBytes);
    }

    [Fact]
    public void ADataUrlInAMessagesText_IsText()
    {
        var json = "{\"messages\":[{\"role\":\"user\",\"content\":\"data:text/plain;base64," + new string('C', 5000) + "\"}]}";

        var fields = Read(json);

        Assert.Equal(0, fields.Attachments);
        Assert.Equal(Encoding.UTF8.GetByteCount(json), fields.TextBytes);
    }

    [Theory]
    [InlineData("{\"stream\":true}", true, false)]
    [InlineData("{\"stream\":true,\"stream_options\":{\"include_usage\":true}}", true, true)]
    [InlineData("{\"stream\":true,\"stream_options\":{\"include_usage\":false}}", true, false)]
    [InlineData("{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"stream_options\":null}", true, false)]
    [InlineData("{\"stream\":true,\"stream\":false}", false, false)]
    [InlineData("{\"stream\":\"yes\"}", false, false)]
    public void StreamAndItsUsage_AreTheirLastOccurrences(string json, bool streams, bool asksForUsage)
    {
        var fields = Read(json);

        Assert.Equal((streams, asksForUsage), (fields.Streams, fields.AsksForUsage));
    }

    [Theory]
    [InlineData("{\"model\":\"m\",")]
    [InlineData("[1,2,3]")]
    [InlineData("not json at all")]
    public void ABodyThatIsNotAJsonObject_IsReadAsData(string json)
    {
        var fields = Read(json);

        Assert.False(fields.IsObject);
        Assert.Null(fields.CompletionCap);
    }

    [Fact]
    public void StringsThatAreNotText_AreReadAsTheirBytes()
    {
        byte[] invalidUtf8 = [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}'];
        var loneSurrogate = Encoding.UTF8.GetBytes("{\"a\":\"\\ud800\",\"max_tokens\":7}");

        Assert.Equal(invalidUtf8.Length, TokenRequestFields.Read(invalidUtf8).TextBytes);
        Assert.Equal(7, TokenRequestFields.Read(loneSurrogate).CompletionCap);
    }

    private static TokenRequestFields Read(string json) => TokenRequestFields.Read(Encoding.UTF8.GetBytes(json));

    [Theory]
    [MemberData(nameof(MalformedJson.Cases), MemberType = typeof(MalformedJson))]
    public void MalformedBytes_AreData_NeverANegativeBound(string malformed)
    {
        foreach (var path in new[] { new[] { "max_tokens" }, ["messages"], ["stream_options", "include_usage"], ["n"] })
        {
            var fields = TokenRequestFields.Read(MalformedJson.At(malformed, path));

            Assert.True(fields.CompletionCap is null or >= 0, $"cap {fields.CompletionCap}");
            Assert.True(fields.TextBytes >= 0, $"text {fields.TextBytes}");
        }
    }
}
