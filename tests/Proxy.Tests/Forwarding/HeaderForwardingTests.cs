using System.Diagnostics;
using System.Text;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Forwarding;

/// <summary>What goes upstream and what comes back in headers: ids, keys, and nothing a host or a client forged.</summary>
public abstract class HeaderForwardingTests(ProxyFixture fixture)
{
    private static readonly string[] s_forgedHeaders = ["X-Forwarded-For", "X-Forwarded-Host", "Forwarded", "x-ms-invocation-id", "x-original-url", "x-functions-key", "x-arr-ssl"];

    [Fact]
    public async Task HostAndForwardingHeaders_AreNotPassedUpstream()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/echo?headers=stripped");
        // The Functions host matches its call to the worker with its invocation by x-ms-invocation-id, keeping a client's
        // own if it sent one (docs/running.md, "Running under the Functions host"): there a client can only break its own request.
        var forged = s_forgedHeaders.Where(name => fixture.Kind != ProxyHostKind.Functions || name != "x-ms-invocation-id");
        foreach (var name in forged)
        {
            request.Headers.TryAddWithoutValidation(name, "forged");
        }

        request.Headers.Add("X-Custom-Client-Header", "kept");

        using var response = await client.SendAsync(request);

        response.EnsureSuccessStatusCode();
        var seen = fixture.Upstream.LastRequestTo("/v1/echo?headers=stripped")!;
        Assert.DoesNotContain(seen.Headers.Keys, name =>
            name.StartsWith("x-forwarded", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("x-original", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("x-arr-", StringComparison.OrdinalIgnoreCase)
            || name.Equals("forwarded", StringComparison.OrdinalIgnoreCase)
            || name.Equals("x-functions-key", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("kept", seen.Headers["X-Custom-Client-Header"]);
        Assert.Equal("Bearer " + ProxyFixture.ClientKey, seen.Headers["Authorization"]);
        Assert.Equal(fixture.Upstream.BaseAddress.Authority, seen.Headers["Host"]);
    }

    [Fact]
    public async Task ClientsTraceparent_ReachesTheUpstreamWithItsTraceId()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var clientSpanId = ActivitySpanId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/echo?trace=" + traceId);
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{clientSpanId}-01");

        using var response = await client.SendAsync(request);

        response.EnsureSuccessStatusCode();
        var seen = fixture.Upstream.LastRequestTo("/v1/echo?trace=" + traceId)!;
        var parts = seen.Headers["traceparent"].Split('-');
        Assert.Equal(4, parts.Length);
        Assert.Equal(traceId, parts[1]);
        Assert.Matches("^[0-9a-f]{16}$", parts[2]);
        if (fixture.Kind == ProxyHostKind.Functions)
        {
            // Without an exporter the worker records no span of its own, so the client's span stays the upstream call's parent;
            // with one, the proxy's span is (AzureMonitorExportTests).
            Assert.Equal(clientSpanId, parts[2]);
        }
        else
        {
            Assert.NotEqual(clientSpanId, parts[2]);
        }
    }

    [Fact]
    public async Task ConfiguredUpstreamKey_ReplacesTheClientsKey()
    {
        using var client = ProxyFixture.ClientFor(fixture.KeyInjectingProxy);
        client.DefaultRequestHeaders.Add("x-api-key", "ignored");
        client.DefaultRequestHeaders.Authorization = null;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/echo?key=injected");

        using var response = await client.SendAsync(request);

        response.EnsureSuccessStatusCode();
        var seen = fixture.Upstream.LastRequestTo("/v1/echo?key=injected")!;
        Assert.Equal("Bearer " + ProxyFixture.UpstreamKey, seen.Headers["Authorization"]);
        Assert.False(seen.Headers.ContainsKey("x-api-key"));
    }

    [Fact]
    public async Task SuccessfulResponse_CarriesTheProxysRequestIdAndTheUpstreamsSeparately()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);

        using var first = await client.GetAsync("/v1/echo");
        using var second = await client.GetAsync("/v1/echo");

        var firstId = Assert.Single(first.Headers.GetValues("x-request-id"));
        Assert.True(Guid.TryParseExact(firstId, "D", out _));
        Assert.NotEqual(firstId, Assert.Single(second.Headers.GetValues("x-request-id")));
        Assert.StartsWith("upstream-", Assert.Single(first.Headers.GetValues("x-upstream-request-id")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("client-123_abc.def:ghi", true)]
    [InlineData("has space", false)]
    [InlineData("semi;colon", false)]
    public async Task ClientRequestId_IsEchoedOnlyWhenWellFormed(string clientRequestId, bool echoed)
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/echo?client-id=" + echoed);
        request.Headers.TryAddWithoutValidation("X-Client-Request-Id", clientRequestId);

        using var response = await client.SendAsync(request);

        var seen = fixture.Upstream.LastRequestTo("/v1/echo?client-id=" + echoed)!;
        if (echoed)
        {
            Assert.Equal(clientRequestId, Assert.Single(response.Headers.GetValues("x-client-request-id")));
            Assert.Equal(clientRequestId, seen.Headers["X-Client-Request-Id"]);
        }
        else
        {
            Assert.False(response.Headers.Contains("x-client-request-id"));
            Assert.False(seen.Headers.ContainsKey("X-Client-Request-Id"));
        }
    }

    [Fact]
    public async Task ClientRequestIdOver128Characters_IsDropped()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        client.DefaultRequestHeaders.Add("X-Client-Request-Id", new string('a', 129));

        using var response = await client.GetAsync("/v1/errors/openai/404");

        Assert.False(response.Headers.Contains("x-client-request-id"));
        await ErrorBodyAssert.MatchesAsync(response, 404, "/v1/errors/openai/404", FakeUpstream.ErrorMessage("openai", 404));
    }

    [Fact]
    public async Task RequestHeaderOutsideAscii_GoesUpstreamAsTheUtf8BytesItCameAs()
    {
        var head = $"GET /v1/echo?header=utf8 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ProxyFixture.ClientKey}\r\n" +
            "X-User: caf\u00e9 \u65e5\u672c\r\nConnection: close\r\n\r\n";

        var result = await RawSocketExchange.SendAsync(fixture.Proxy.Port, Encoding.UTF8.GetBytes(head), TimeSpan.FromSeconds(60));

        var seen = fixture.Upstream.LastRequestTo("/v1/echo?header=utf8");
        if (fixture.Kind == ProxyHostKind.Functions)
        {
            // The Functions host's own forwarder refuses to send the header to the worker ("Request headers must contain
            // only ASCII characters"), retries ten times, then answers a bare 500 itself: the proxy never sees the request.
            Assert.Equal(500, result.Response.StatusCode);
            Assert.Null(seen);
            return;
        }

        Assert.Equal(200, result.Response.StatusCode);
        Assert.NotNull(seen);
        Assert.Equal("caf\u00e9 \u65e5\u672c", seen.Headers["X-User"]);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(400)]
    [InlineData(429)]
    [InlineData(500)]
    public async Task UpstreamHeaderOutsideAscii_IsPercentEncodedAndTheStatusKept(int status)
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        var path = $"/v1/hostile/latin1/{status}";

        using var response = await client.GetAsync(path);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("2", Assert.Single(response.Headers.GetValues("Retry-After")));
        var upstreamRequestId = Assert.Single(response.Headers.GetValues("x-upstream-request-id"));
        Assert.All(upstreamRequestId, c => Assert.InRange(c, '!', '~'));
        if (status == 200)
        {
            Assert.Equal("caf%E9", Assert.Single(response.Headers.GetValues(HostileUpstreamEndpoints.Latin1HeaderName)));
            Assert.Equal("req-%E9t%E9", upstreamRequestId);
            return;
        }

        // An error keeps only the headers the proxy documents; the request id from its body is made visible ASCII.
        await ErrorBodyAssert.MatchesAsync(response, status, path, "Upstream says \u00e9t\u00e9");
        Assert.Equal("body-%C3%A9t%C3%A9%0D%0Ax-injected:%201", upstreamRequestId);
        Assert.False(response.Headers.Contains("x-injected"));
        var record = await fixture.Failures.WaitForAsync(Assert.Single(response.Headers.GetValues("x-request-id")));
        Assert.Equal("upstream_error", record.Kind);
        Assert.Equal(upstreamRequestId, record.UpstreamRequestId);
    }
}

[Collection(OnStandaloneHost.Name)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class HeaderForwardingTestsOnStandaloneHost(StandaloneHostFixture fixture) : HeaderForwardingTests(fixture);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class HeaderForwardingTestsOnFunctionsHost(FunctionsHostFixture fixture) : HeaderForwardingTests(fixture);
