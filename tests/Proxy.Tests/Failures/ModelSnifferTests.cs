using System.Text;
using Proxy.Failures;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Failures;

/// <summary>
/// A request's model is the top-level <c>"model"</c> string of its body's first bytes, whatever else is in them; a body
/// that is not such JSON names no model, and its bytes are never taken for a fault.
/// </summary>
public sealed class ModelSnifferTests
{
    [Theory]
    [InlineData("{\"model\":\"gpt-4o\",\"messages\":[]}", "gpt-4o")]
    [InlineData("{\"messages\":[{\"model\":\"inner\"}],\"model\":\"outer\"}", "outer")]
    [InlineData("{\"model\":\"caf\\u00e9\"}", "café")]
    [InlineData("{\"model\":42}", null)]
    [InlineData("{\"model\":\"\"}", null)]
    [InlineData("[\"model\",\"x\"]", null)]
    public void TheTopLevelModel_IsFound(string body, string? model) =>
        Assert.Equal(model, ModelSniffer.FromJsonPrefix(Encoding.UTF8.GetBytes(body)));

    [Theory]
    [MemberData(nameof(MalformedJson.Cases), MemberType = typeof(MalformedJson))]
    public void MalformedBytes_AreData_NeverALoneSurrogate(string malformed)
    {
        var model = ModelSniffer.FromJsonPrefix(MalformedJson.At(malformed, "model"));

        Assert.True(model is null || !model.Any(char.IsSurrogate), $"model {model}");
    }

    [Fact]
    public void AModelThatIsNotValidText_IsKeptAsSent_ItsEscapesAsWrittenAndItsBadBytesReplaced()
    {
        Assert.Equal("a\\udc00b", ModelSniffer.FromJsonPrefix(Encoding.UTF8.GetBytes("{\"model\":\"a\\udc00b\"}")));
        Assert.Equal("\uFFFD\uFFFDx", ModelSniffer.FromJsonPrefix([.. "{\"model\":\""u8, 0xFF, 0xFE, (byte)'x', .. "\"}"u8]));
    }
}
