using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Forwarding;

/// <summary>Bodies stream both ways: the proxy holds no body whole, measured on the resident memory of the host's own processes.</summary>
public abstract class StreamingMemoryTests(ProxyFixture fixture, ITestOutputHelper output)
{
    /// <summary>How much the proxy's resident memory may grow while a body passes: far less than the body.</summary>
    private const long FlatMemoryBytes = 48L * 1024 * 1024;

    [Fact]
    public async Task Upload_20MB_ReachesUpstreamWholeWhileProxyMemoryStaysFlat()
    {
        const long size = 20L * 1024 * 1024;
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        await WarmUpAsync(client);
        var baseline = fixture.Proxy.WorkingSet;

        using var sampler = new MemorySampler(fixture.Proxy);
        // The Functions host reads a body with a Content-Length whole before the app runs (docs/running.md, "Running under the
        // Functions host"); a chunked one it streams, as the standalone host streams both.
        using var response = await client.PostAsync("/v1/upload", new GeneratedContent(size, declareLength: fixture.Kind != ProxyHostKind.Functions));
        var peak = sampler.Stop();

        response.EnsureSuccessStatusCode();
        Assert.Contains($"\"bytes\":{size}", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        output.WriteLine($"proxy working set: baseline {baseline / 1048576.0:F1} MiB, peak {peak / 1048576.0:F1} MiB during a {size / 1048576} MiB upload");
        Assert.InRange(peak - baseline, long.MinValue, FlatMemoryBytes);
    }

    [Fact]
    public async Task Download_200MB_ReachesClientWholeWhileProxyMemoryStaysFlat()
    {
        const long size = 200L * 1024 * 1024;
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        await WarmUpAsync(client);
        var baseline = fixture.Proxy.WorkingSet;

        using var sampler = new MemorySampler(fixture.Proxy);
        using var response = await client.GetAsync($"/v1/download?bytes={size}", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var received = await ResponseDrain.CountBytesAsync(response);

        var peak = sampler.Stop();
        Assert.Equal(size, received);
        output.WriteLine($"proxy working set: baseline {baseline / 1048576.0:F1} MiB, peak {peak / 1048576.0:F1} MiB during a {size / 1048576} MiB download");
        Assert.InRange(peak - baseline, long.MinValue, FlatMemoryBytes);
    }

    private static async Task WarmUpAsync(HttpClient client)
    {
        using var warmUp = await client.GetAsync($"/v1/download?bytes={4 * 1024 * 1024}");
        warmUp.EnsureSuccessStatusCode();
    }
}

[Collection(OnStandaloneHost.Name)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class StreamingMemoryTestsOnStandaloneHost(StandaloneHostFixture fixture, ITestOutputHelper output) : StreamingMemoryTests(fixture, output);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class StreamingMemoryTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : StreamingMemoryTests(fixture, output);
