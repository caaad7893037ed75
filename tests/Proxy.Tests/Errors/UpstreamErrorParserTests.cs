using System.Text;
using System.Text.Json;
using Proxy.Errors;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Errors;

/// <summary>The message is found in whatever shape the upstream wrote it.</summary>
public sealed class UpstreamErrorParserTests
{
    private static UpstreamErrorDetails Parse(string body) => UpstreamErrorParser.Parse(Encoding.UTF8.GetBytes(body));

    [Fact]
    public void Parse_DocumentedShape_TakesMessageAndRequestId()
    {
        var details = Parse("""{"message":"Free-tier limit","path":"/v1/x","requestId":"r-1","statusCode":429,"timestamp":"2025-03-11T07:13:27.813Z"}""");

        Assert.Equal("Free-tier limit", details.Message);
        Assert.Equal("r-1", details.RequestId);
    }

    [Fact]
    public void Parse_ValidationMessageArray_JoinsTheMessages()
    {
        var details = Parse("""{"statusCode":400,"message":["model: Expected string, received number","messages: Required"]}""");

        Assert.Equal("model: Expected string, received number; messages: Required", details.Message);
    }

    [Fact]
    public void Parse_OpenAiShape_TakesMessageTypeAndCode()
    {
        var details = Parse("""{"error":{"message":"Incorrect API key","type":"invalid_request_error","code":"invalid_api_key"}}""");

        Assert.Equal(("Incorrect API key", "invalid_request_error", "invalid_api_key"), (details.Message, details.Type, details.Code));
    }

    [Fact]
    public void Parse_NewerShape_PrefersTheTopLevelMessage()
    {
        var details = Parse("""{"title":"Forbidden","status":403,"message":"No credits","error":{"name":"ForbiddenException","message":"inner"}}""");

        Assert.Equal("No credits", details.Message);
    }

    [Fact]
    public void Parse_ErrorAsString_TakesIt()
    {
        Assert.Equal("model not found", Parse("""{"error":"model not found"}""").Message);
    }

    [Theory]
    [InlineData("upstream exploded", "upstream exploded")]
    [InlineData("  padded text \n", "padded text")]
    [InlineData("", null)]
    [InlineData("[1,2,3]", "[1,2,3]")]
    public void Parse_NotAJsonObject_TakesTheText(string body, string? expected)
    {
        Assert.Equal(expected, Parse(body).Message);
    }

    [Fact]
    public void Parse_RunawayText_IsCut()
    {
        Assert.Equal(UpstreamErrorParser.MaxMessageLength, Parse(new string('x', 10_000)).Message!.Length);
    }

    [Theory]
    [InlineData("\"", 1024)]
    [InlineData("\u00e9", 1024)]
    [InlineData("\u0001", 341)]
    public void Parse_MessageBound_IsMeasuredAfterJsonEscaping(string character, int kept)
    {
        var body = "{\"message\":" + JsonSerializer.Serialize(string.Concat(Enumerable.Repeat(character, 5000))) + "}";

        Assert.Equal(kept, Parse(body).Message!.Length);
    }

    [Fact]
    public void Parse_AMessageThatIsNotText_IsKeptAsWritten_AnEscapedQuoteAtItsEndIncluded()
    {
        // A lone surrogate makes the string no text; it is kept as the upstream wrote it, between its own quotes only.
        Assert.Equal("\\ud800 said \\\"no\\\"", Parse("{\"message\":\"\\ud800 said \\\"no\\\"\"}").Message);
    }

    [Fact]
    public void Parse_MessageBound_NeverSplitsASurrogatePair()
    {
        var message = Parse("{\"message\":\"" + string.Concat(Enumerable.Repeat("\\ud83d\\ude00", 2000)) + "\"}").Message!;

        Assert.Equal(340, message.Length);
        Assert.True(char.IsHighSurrogate(message[^2]) && char.IsLowSurrogate(message[^1]));
    }

    [Fact]
    public void Parse_RequestId_IsVisibleAsciiAndBounded()
    {
        Assert.Equal("a%20b%0D%0Ac%C3%A9", Parse("{\"requestId\":\"a b\\r\\nc\u00e9\"}").RequestId);
        Assert.Equal(new string('r', UpstreamErrorParser.MaxRequestIdLength), Parse("{\"requestId\":\"" + new string('r', 17_000) + "\"}").RequestId);
    }

    [Fact]
    public void Parse_TypeAndCode_AreBounded()
    {
        var details = Parse("{\"error\":{\"type\":\"" + new string('t', 20_000) + "\",\"code\":\"" + new string('c', 20_000) + "\"}}");

        Assert.Equal(UpstreamErrorParser.MaxTypeLength, details.Type!.Length);
        Assert.Equal(UpstreamErrorParser.MaxCodeLength, details.Code!.Length);
    }

    [Theory]
    [MemberData(nameof(MalformedJson.Cases), MemberType = typeof(MalformedJson))]
    public void MalformedBytes_AreData_AndTheMessageIsText(string malformed)
    {
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        foreach (var path in new[] { new[] { "error", "message" }, ["error", "code"], ["message"], ["detail"] })
        {
            var details = UpstreamErrorParser.Parse(MalformedJson.At(malformed, path));

            // Text that cannot be encoded would fail the error body's and the record's serialization later.
            _ = strict.GetByteCount(details.Message ?? "");
            _ = strict.GetByteCount(details.Code ?? "");
            _ = strict.GetByteCount(details.RequestId ?? "");
        }
    }
}
