using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Failures;

/// <summary>
/// A failure whose client or upstream values are huge still gets one record, cut to its documented
/// bounds, that the queue and the table accept; it never stops the records behind it, and never lands in the poison queue.
/// </summary>
public abstract class OversizedFailureTests(ProxyFixture fixture, ITestOutputHelper output)
{
    /// <summary>The documented bounds (docs/failures.md) as a reader of the archive sees them.</summary>
    protected const int MaxIdLength = 256;
    protected const int MaxPathLength = 2048;

    protected ProxyFixture Fixture => fixture;

    protected ITestOutputHelper Output => output;

    [Fact]
    public async Task UpstreamRequestIdsOf40000And50000Characters_AreCutAndEveryRecordIsArchived()
    {
        var pipeline = await ArchivingPipeline.StartAsync(fixture);
        await using var proxy = pipeline.Proxy;
        using var client = ProxyFixture.ClientFor(proxy);
        var oversized = new List<string>();
        foreach (var length in new[] { 40_000, 50_000 })
        {
            using var response = await client.GetAsync($"/v1/errors/openai/500?upstreamRequestIdLength={length}");
            Assert.Equal(500, (int)response.StatusCode);
            oversized.Add(Assert.Single(response.Headers.GetValues("x-request-id")));
        }

        var behind = await pipeline.SendKeyedErrorsAsync(3);

        await pipeline.WaitForRowsAsync([.. oversized, .. behind]);
        foreach (var requestId in oversized)
        {
            var upstreamRequestId = (string)(await pipeline.RowAsync(requestId))["UpstreamRequestId"];
            output.WriteLine($"archived upstreamRequestId: {upstreamRequestId.Length} characters");
            Assert.InRange(upstreamRequestId.Length, 1, MaxIdLength);
            // Cut where the proxy reads it from the upstream (128 characters), within the record's own bound.
            Assert.StartsWith("rrrr", upstreamRequestId, StringComparison.Ordinal);
        }

        Assert.Equal(0, await pipeline.PoisonedCountAsync());
    }
}

/// <summary>
/// On the standalone host a request line of 8 KB reaches the proxy whole (the Functions host's front server refuses
/// one that long itself), so only here can the path be that long.
/// </summary>
public sealed class OversizedFailureTestsInProcess(InProcessFixture fixture, ITestOutputHelper output) : OversizedFailureTests(fixture, output), IClassFixture<InProcessFixture>
{
    [Fact]
    public async Task PathOf8170Apostrophes_IsCutAndTheRecordsBehindItStillArrive()
    {
        var pipeline = await ArchivingPipeline.StartAsync(Fixture);
        await using var proxy = pipeline.Proxy;

        // Each ' is six characters once escaped as \u0027, and Base64 adds a third: over the queue's 64 KiB uncut.
        var response = await RawHttp.SendAsync(proxy.Port, $"GET /x{new string('\'', 8170)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        Assert.Equal(404, response.StatusCode);
        var oversized = response.Headers["x-request-id"];
        var behind = await pipeline.SendKeyedErrorsAsync(3);

        await pipeline.WaitForRowsAsync([oversized, .. behind]);
        var path = (string)(await pipeline.RowAsync(oversized))["Path"];
        Output.WriteLine($"archived path: {path.Length} characters");
        Assert.InRange(path.Length, 1, MaxPathLength);
        Assert.StartsWith("/x'''", path, StringComparison.Ordinal);
        Assert.EndsWith("\u2026", path, StringComparison.Ordinal);
        Assert.Equal(0, await pipeline.PoisonedCountAsync());
    }
}

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class OversizedFailureTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : OversizedFailureTests(fixture, output);
