using System.Text;
using Proxy.Tests.Infrastructure;
using Proxy.Usage;

namespace Proxy.Tests.Usage;

/// <summary>
/// A usage object is read as every API writes it (chat and completions, the Responses API, embeddings), and no figure an
/// upstream reports can make a count smaller than it says: out-of-range counts saturate, a total above its parts wins.
/// </summary>
public sealed class TokenUsageTests
{
    [Theory]
    [InlineData("{\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":200,\"total_tokens\":300}}", 100, 200)]
    [InlineData("{\"usage\":{\"input_tokens\":100,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":200,\"total_tokens\":300}}", 100, 200)]
    [InlineData("{\"object\":\"list\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}", 8, 0)]
    [InlineData("{\"type\":\"response.completed\",\"response\":{\"status\":\"completed\",\"usage\":{\"input_tokens\":7,\"output_tokens\":9}}}", 7, 9)]
    public void EveryApisUsage_IsRead(string json, long prompt, long completion)
    {
        Assert.True(TokenUsage.TryFind(Encoding.UTF8.GetBytes(json), out var usage));
        Assert.Equal(new TokenUsage(prompt, completion), usage);
    }

    [Theory]
    [InlineData("9223372036854775807")]
    [InlineData("92233720368547758070")]
    [InlineData("1e30")]
    public void ACountAtOrPastTheRangeOfInt64_IsItsLargestValue(string count)
    {
        Assert.True(TokenUsage.TryFind(Encoding.UTF8.GetBytes($"{{\"usage\":{{\"prompt_tokens\":{count},\"completion_tokens\":5}}}}"), out var usage));

        Assert.Equal(long.MaxValue, usage.PromptTokens);
        Assert.Equal(5, usage.CompletionTokens);
    }

    [Fact]
    public void ATotalAboveItsParts_IsWhatIsCounted()
    {
        Assert.True(TokenUsage.TryFind("{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":20,\"total_tokens\":100}}"u8, out var usage));

        Assert.Equal(100, usage.PromptTokens + usage.CompletionTokens);
    }

    [Theory]
    [InlineData("{\"usage\":{\"prompt_tokens\":-5,\"completion_tokens\":\"7\"}}")]
    [InlineData("{\"usage\":{\"type\":\"duration\",\"seconds\":12}}")]
    public void CountsThatAreNotWholeNumbers_AreNoUsage(string json) =>
        Assert.False(TokenUsage.TryFind(Encoding.UTF8.GetBytes(json), out _));

    [Theory]
    [MemberData(nameof(MalformedJson.Cases), MemberType = typeof(MalformedJson))]
    public void MalformedBytes_AreData_NeverANegativeCount(string malformed)
    {
        foreach (var body in new[] { MalformedJson.At(malformed, "usage"), MalformedJson.At(malformed, "usage", "prompt_tokens") })
        {
            if (TokenUsage.TryFind(body, out var usage))
            {
                Assert.True(usage.PromptTokens >= 0 && usage.CompletionTokens >= 0, $"{usage}");
            }
        }
    }
}
