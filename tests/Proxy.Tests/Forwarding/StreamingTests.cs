using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Forwarding;

/// <summary>
/// Bodies stream both ways: a client that leaves stops the upstream call, and errors inside a stream are found (that the
/// proxy holds no body whole: <see cref="StreamingMemoryTests"/>).
/// </summary>
public abstract class StreamingTests(ProxyFixture fixture, ITestOutputHelper output)
{
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

        // The upstream keeps sending heartbeats, so the proxy's activity timeout never ends its request: only the client's
        // leaving can. The wait is a hang detector.
        await fixture.Upstream.WaitForStreamAbortAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"upstream saw the cancellation {left.ElapsedMilliseconds} ms after the client left");
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
}

[Collection(OnStandaloneHost.Name)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class StreamingTestsOnStandaloneHost(StandaloneHostFixture fixture, ITestOutputHelper output) : StreamingTests(fixture, output);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class StreamingTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : StreamingTests(fixture, output);
