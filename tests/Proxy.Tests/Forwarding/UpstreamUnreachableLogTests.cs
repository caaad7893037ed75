using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Forwarding;

/// <summary>
/// A 502 tells the operator which upstream (host and port) and what kind of socket error, in its own line,
/// while the client's body stays the contract's; no line carries a key (on the standalone host, whose console shows
/// every line).
/// </summary>
public sealed class UpstreamUnreachableLogTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    [Fact]
    public async Task ClosedPort_LogsTheUpstreamHostPortAndConnectionRefused_AndNoKey()
    {
        var port = LoopbackPort.Unused();
        await using var proxy = await fixture.StartProxyAsync(new Uri($"http://127.0.0.1:{port}/"), ("Proxy__Upstream__ApiKey", ProxyFixture.UpstreamKey));
        using var client = ProxyFixture.ClientFor(proxy);

        using var response = await client.PostAsync("/v1/chat/completions?api_key=sk-query-key-77", new StringContent("{}"));

        await ErrorBodyAssert.MatchesAsync(response, 502, "/v1/chat/completions", "Bad Gateway: the upstream could not be reached.");
        var requestId = Assert.Single(response.Headers.GetValues("x-request-id"));
        var line = await LogLines.WaitForAsync(proxy, "[1201]", requestId);
        Assert.EndsWith($"Request {requestId} got 502: upstream 127.0.0.1:{port} failed with ConnectionRefused (forwarding stage Request)", line, StringComparison.Ordinal);
        await LogLines.WaitForAsync(proxy, "[1200]", requestId, "answered 502");
        Assert.DoesNotContain(proxy.Output, output => output.Contains(ProxyFixture.ClientKey, StringComparison.Ordinal)
            || output.Contains(ProxyFixture.UpstreamKey, StringComparison.Ordinal) || output.Contains("sk-query-key-77", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/v1/reset", "ResponseEnded")]
    [InlineData("/v1/garbage", "InvalidResponse")]
    public async Task BrokenUpstream_LogsItsHostPortAndTheErrorClass(string path, string errorClass)
    {
        using var client = ProxyFixture.ClientFor(fixture.FaultyProxy);

        using var response = await client.GetAsync(path);

        Assert.Equal(502, (int)response.StatusCode);
        var requestId = Assert.Single(response.Headers.GetValues("x-request-id"));
        var line = await LogLines.WaitForAsync(fixture.FaultyProxy, "[1201]", requestId);
        var expected = $"got 502: upstream {fixture.FaultyUpstream.BaseAddress.Host}:{fixture.FaultyUpstream.BaseAddress.Port} failed with {errorClass} (";
        Assert.True(line.Contains(expected, StringComparison.Ordinal), line);
    }

    [Fact]
    public async Task PlainHttpUpstreamCalledOverHttps_LogsATlsFailure()
    {
        var upstream = new UriBuilder(fixture.Upstream.BaseAddress) { Scheme = Uri.UriSchemeHttps }.Uri;
        await using var proxy = await fixture.StartProxyAsync(upstream);
        using var client = ProxyFixture.ClientFor(proxy);

        using var response = await client.GetAsync("/v1/echo");

        await ErrorBodyAssert.MatchesAsync(response, 502, "/v1/echo", "Bad Gateway: the TLS handshake with the upstream failed.");
        var line = await LogLines.WaitForAsync(proxy, "[1201]", Assert.Single(response.Headers.GetValues("x-request-id")));
        Assert.EndsWith($"upstream {upstream.Host}:{upstream.Port} failed with TlsFailure (forwarding stage Request)", line, StringComparison.Ordinal);
    }
}
