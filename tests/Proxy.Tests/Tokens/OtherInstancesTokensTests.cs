using Microsoft.Extensions.Time.Testing;
using Proxy.Quota;
using Proxy.Tests.Infrastructure;
using Proxy.Tokens;
using Proxy.Usage;

namespace Proxy.Tests.Tokens;

/// <summary>
/// The token limit reads what other instances flushed for a key at most once per flush interval, never per request: the
/// first check of a key's hour reads, the checks within the interval answer from that read, and the first check after it
/// reads again in the background while answering from the last value.
/// </summary>
public sealed class OtherInstancesTokensTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    private static readonly TimeSpan s_flushInterval = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ChecksWithinTheInterval_MakeNoStoreCall_AndTheFirstAfterItReadsAgain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, time, new Dictionary<string, string?>
        {
            ["Proxy:Usage:TableName"] = "usage" + Guid.NewGuid().ToString("N"),
            ["Proxy:Usage:FlushInterval"] = s_flushInterval.ToString(),
        });
        var table = harness.Get<UsageTable>();
        var limiter = harness.Get<TokenLimiter>();
        var keyId = QuotaHarness.NewKeyId();
        var hour = QuotaWindow.Containing(time.GetUtcNow()).Start;
        const long written = 30, limit = 50;
        await WriteAsOtherInstanceAsync(table, keyId, hour, written);

        var before = harness.Transactions.Count;
        var first = await limiter.IsUsedUpAsync(keyId, limit, CancellationToken.None);
        var afterFirst = harness.Transactions.Count;
        var within = new List<bool>();
        for (var i = 0; i < 50; i++)
        {
            within.Add(await limiter.IsUsedUpAsync(keyId, written, CancellationToken.None));
        }

        var afterWithin = harness.Transactions.Count;
        await WriteAsOtherInstanceAsync(table, keyId, hour, limit);
        var stale = await limiter.IsUsedUpAsync(keyId, limit, CancellationToken.None);
        time.Advance(s_flushInterval);

        Assert.False(first);
        Assert.Equal(1, afterFirst - before);
        Assert.All(within, Assert.True);
        Assert.Equal(afterFirst, afterWithin);
        Assert.False(stale);
        await Eventually.TrueAsync(
            async () => await limiter.IsUsedUpAsync(keyId, limit, CancellationToken.None), TimeSpan.FromSeconds(10),
            "the check after the interval reads the other instance's new total");
        // The other instance's second write, and one read.
        Assert.Equal(2, harness.Transactions.Count - afterFirst);
    }

    private static Task WriteAsOtherInstanceAsync(UsageTable table, string keyId, DateTimeOffset hour, long tokens) =>
        table.WriteAsync(
            [UsageEntity.From(new UsageHour(keyId, hour, 1, 1, 0, 0, 0, 0, tokens, 0, 0, 0, new LatencySummary(0, 0, 0, new long[LatencySummary.BucketCount])), "other")],
            CancellationToken.None);
}
