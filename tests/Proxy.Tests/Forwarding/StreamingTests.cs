using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Forwarding;

/// <summary>Bodies stream both ways: the proxy holds no body whole, and a client that leaves stops the upstream call.</summary>
public abstract class StreamingTests(ProxyFixture fixture, ITestOutputHelper output)
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
        // The Functions host reads a body with a Content-Length whole before the app runs (README, "Running under the
        // Functions host"); a chunked one it streams, as the standalone host streams both.
        using var response = await client.PostAsync("/v1/upload", new GeneratedContent(size, declareLength: fixture.Kind == ProxyHostKind.Standalone));
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

    [Fact]
    public async Task ClientDisconnect_CancelsTheUpstreamRequest()
    {
        fixture.Upstream.ResetStreamAbort();

        // A bare socket: HttpClient would drain the response for up to two seconds before closing.
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, fixture.Proxy.Port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"GET /v1/slow-stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ProxyFixture.ClientKey}\r\n\r\n"));
            Assert.True(await stream.ReadAsync(new byte[256]) > 0);
        }

        var left = Stopwatch.StartNew();

        // The upstream keeps sending heartbeats, so only the client's leaving can end its request,
        // and it must end well before the proxy's activity timeout could have ended it.
        await fixture.Upstream.WaitForStreamAbortAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"upstream saw the cancellation {left.ElapsedMilliseconds} ms after the client left");
        Assert.True(left.Elapsed < ProxyFixture.UpstreamTimeout, $"cancelled after {left.ElapsedMilliseconds} ms, before the {ProxyFixture.UpstreamTimeout} timeout");
    }

    [Theory]
    [InlineData("/v1/hostile/sse-error-gzip", true)]
    [InlineData("/v1/hostile/sse-error-cr", false)]
    public async Task ErrorEventInACompressedOrCrOnlyStream_IsRecordedWhileTheBytesPassUnchanged(string path, bool gzip)
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.ParseAdd("gzip");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(gzip ? ["gzip"] : [], response.Content.Headers.ContentEncoding);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var text = gzip ? Gunzip(bytes) : Encoding.UTF8.GetString(bytes);
        Assert.Contains(FakeUpstream.StreamErrorMessage, text, StringComparison.Ordinal);
        Assert.EndsWith(gzip ? "data: [DONE]\n\n" : "data: [DONE]\r\r", text, StringComparison.Ordinal);

        var record = await fixture.Failures.WaitForAsync(Assert.Single(response.Headers.GetValues("x-request-id")));
        Assert.Equal("stream_error", record.Kind);
        Assert.Equal(200, record.StatusCode);
        Assert.Equal(FakeUpstream.StreamErrorMessage, record.Message);
        Assert.InRange(record.ResponseBytes ?? 0, 1, bytes.Length);
    }

    private static string Gunzip(byte[] bytes)
    {
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static async Task WarmUpAsync(HttpClient client)
    {
        using var warmUp = await client.GetAsync($"/v1/download?bytes={4 * 1024 * 1024}");
        warmUp.EnsureSuccessStatusCode();
    }
}

[Collection(OnStandaloneHost.Name)]
public sealed class StreamingTestsOnStandaloneHost(StandaloneHostFixture fixture, ITestOutputHelper output) : StreamingTests(fixture, output);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
public sealed class StreamingTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : StreamingTests(fixture, output);
