using System.Text;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Soak;

/// <summary>
/// Hostile input that reaches the app on both hosts: header values, credentials, Host games, bodies growing over the
/// limit, smuggling framings. Input that the front server parses first (malformed HTTP, non-origin-form targets, path
/// spellings, stalled bodies) is in <see cref="HttpLayerHostileInputTests"/>.
/// </summary>
public abstract class HostileInputTests(ProxyFixture fixture, ITestOutputHelper output) : HostileRequests(fixture, output)
{
    [Theory]
    [InlineData("\u0001")]
    [InlineData("\u0007")]
    [InlineData("\u001b")]
    [InlineData("\u007f")]
    public async Task ControlCharacterInAHeaderValue_Gives400AndNoUpstreamCall(string control)
    {
        var before = Fixture.Upstream.Requests.Count;

        var result = await RawSocketExchange.SendAsync(Fixture.Proxy.Port, RawSocketExchange.Bytes(Get(extraHeaders: $"X-Custom: a{control}b\r\n")), AnswerBound);

        ErrorBodyAssert.Matches(result.Response, 400, "/v1/echo", "Bad Request: a header value contains control characters.");
        Assert.Equal(before, Fixture.Upstream.Requests.Count);
    }

    [Fact]
    public async Task CrLfInClientRequestId_SplitsOnlyTheClientsOwnRequest_AndEncodedIsNeitherEchoedNorForwarded()
    {
        // Raw CR LF ends the header line: what follows is simply another request header, which the proxy never echoes.
        var split = await RawHttp.SendAsync(Fixture.Proxy.Port,
            $"GET /v1/echo?crlf=raw HTTP/1.1\r\nHost: 127.0.0.1\r\n{Auth}X-Client-Request-Id: abc\r\nSet-Cookie: injected=1\r\nConnection: close\r\n");
        var encoded = await RawHttp.SendAsync(Fixture.Proxy.Port,
            $"GET /v1/echo?crlf=encoded HTTP/1.1\r\nHost: 127.0.0.1\r\n{Auth}X-Client-Request-Id: abc%0d%0aSet-Cookie:%20injected=1\r\nConnection: close\r\n");

        Assert.Equal(200, split.StatusCode);
        Assert.Equal("abc", split.Headers["x-client-request-id"]);
        Assert.False(split.Headers.ContainsKey("Set-Cookie"));
        Assert.Equal(200, encoded.StatusCode);
        Assert.False(encoded.Headers.ContainsKey("x-client-request-id"));
        Assert.False(encoded.Headers.ContainsKey("Set-Cookie"));
        Assert.False(Fixture.Upstream.LastRequestTo("/v1/echo?crlf=encoded")!.Headers.ContainsKey("X-Client-Request-Id"));
    }

    [Theory]
    [InlineData("upstream", "Host: {upstream}\r\n")]
    [InlineData("proxy", "Host: {proxy}\r\n")]
    [InlineData("forwarded", "Host: api.aimlapi.com\r\nX-Forwarded-Host: 169.254.169.254\r\nX-Forwarded-Proto: https\r\nForwarded: host=169.254.169.254\r\n")]
    public async Task HostHeaderGames_ReachOnlyTheConfiguredUpstream_OnceAndUnderItsName(string game, string headers)
    {
        var target = "/v1/echo?host-game=" + game;

        var response = await RawHttp.SendAsync(Fixture.Proxy.Port, $"GET {target} HTTP/1.1\r\n{Fill(headers)}{Auth}Connection: close\r\n");

        // A Host naming the proxy itself must not make it call itself; naming another host must not make it go there.
        Assert.Equal(200, response.StatusCode);
        var seen = Assert.Single(Fixture.Upstream.Requests, request => request.Target == target);
        Assert.Equal(Fixture.Upstream.BaseAddress.Authority, seen.Headers["Host"]);
        Assert.DoesNotContain(seen.Headers.Keys, name =>
            name.StartsWith("X-Forwarded", StringComparison.OrdinalIgnoreCase) || name.Equals("Forwarded", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("Authorization: Bearer first\r\nAuthorization: Bearer second\r\n")]
    [InlineData("Authorization: Bearer same\r\nAuthorization: Bearer same\r\n")]
    [InlineData("Authorization: Bearer first\r\nauthorization: Bearer second\r\n")]
    [InlineData("Authorization: Bearer first\r\nx-api-key: second\r\n")]
    [InlineData("x-api-key: first\r\nX-API-KEY: second\r\n")]
    [InlineData("Authorization: Bearer one\r\nAuthorization: Bearer two\r\nAuthorization: Bearer three\r\n")]
    [InlineData("Authorization: Bearer first, Bearer second\r\n")]
    public async Task MoreThanOneCredential_Gives400AndNoUpstreamCall(string credentials)
    {
        var before = Fixture.Upstream.Requests.Count;

        var response = await RawHttp.SendAsync(Fixture.Proxy.Port, $"GET /v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n{credentials}Connection: close\r\n");

        ErrorBodyAssert.Matches(response, 400, "/v1/echo", "Bad Request: ");
        Assert.Equal(before, Fixture.Upstream.Requests.Count);
    }

    [Fact]
    public async Task ChunkedBodyGrowingOverTheLimit_Gives413_AndTheUpstreamNeverSeesItComplete()
    {
        await using var recorder = new BodyRecordingUpstream();
        await using var proxy = await Fixture.StartProxyAsync(recorder.BaseAddress, ("Proxy__Forwarding__MaxRequestBodySize", "65536"));
        var chunk = Encoding.ASCII.GetBytes("4000\r\n" + new string('x', 0x4000) + "\r\n");
        var request = Encoding.ASCII.GetBytes($"POST /v1/upload?chunked=oversize HTTP/1.1\r\nHost: 127.0.0.1\r\n{Auth}" +
            "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
            .Concat(Enumerable.Repeat(chunk, 8).SelectMany(bytes => bytes)).Concat("0\r\n\r\n"u8.ToArray()).ToArray();

        var result = await RawSocketExchange.SendAsync(proxy.Port, request, AnswerBound);

        Output.WriteLine($"{result.StatusLine} after {result.Elapsed.TotalMilliseconds:F0} ms");
        ErrorBodyAssert.Matches(result.Response, 413, "/v1/upload", "Payload Too Large: ");
        await AssertNeverCompleteAsync(recorder, "/v1/upload?chunked=oversize");
    }

    [Fact]
    public async Task TransferEncodingWithContentLength_Gives400AndClosesTheConnection_SoNothingCanBeSmuggled()
    {
        await using var recorder = new BodyRecordingUpstream();
        await using var proxy = await Fixture.StartProxyAsync(recorder.BaseAddress);

        // Were Content-Length (5) believed anywhere downstream, "0\r\n\r\nGET /v1/smuggled" would start a second request.
        var result = await RawSocketExchange.SendAsync(proxy.Port, RawSocketExchange.Bytes(
            $"POST /v1/upload?te=cl HTTP/1.1\r\nHost: 127.0.0.1\r\n{Auth}Content-Type: application/octet-stream\r\n" +
            "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" +
            "1c\r\nhello\r\nGET /v1/smuggled HTTP\r\n0\r\n\r\n"), AnswerBound);

        Output.WriteLine($"{result.StatusLine} after {result.Elapsed.TotalMilliseconds:F0} ms; upstream heads: {string.Join(", ", recorder.Heads)}");
        var body = ErrorBodyAssert.Matches(result.Response, 400, "/v1/upload", "Bad Request: the request has both Transfer-Encoding and Content-Length");
        Assert.Equal("close", result.Response.Headers["Connection"]);
        Assert.False(result.TimedOut, "the proxy closed the connection after its answer");
        Assert.Empty(recorder.Heads);
        var record = await Fixture.Failures.WaitForAsync(body.GetProperty("requestId").GetString()!);
        Assert.Equal((400, "bad_request"), (record.StatusCode, record.Kind));
    }

    [Fact]
    public async Task RefusedRequestWhoseJsonBodyNeverArrives_LeavesNoStackTraceInTheLog()
    {
        var before = Fixture.Proxy.Output.Count;

        await RawSocketExchange.SendAsync(Fixture.Proxy.Port, RawSocketExchange.Bytes(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n"),
            AnswerBound);
        if (Fixture.Kind == ProxyHostKind.Functions)
        {
            // The host reads a declared body before the app runs and shows nothing of its own wait: it is given its time.
            await Task.Delay(TimeSpan.FromSeconds(7));
        }
        else
        {
            // The last the process does with the request: Kestrel gives up draining the body that never comes.
            await Eventually.TrueAsync(() => Task.FromResult(Fixture.Proxy.Output.Skip(before).Any(line => line.Contains("Kestrel[33]", StringComparison.Ordinal))),
                TimeSpan.FromSeconds(30), "Kestrel's line that draining the request body timed out");
        }

        Assert.DoesNotContain(Fixture.Proxy.Output.Skip(before), line => line.Contains("   at ", StringComparison.Ordinal));
    }
}

public sealed class HostileInputTestsInProcess(InProcessFixture fixture, ITestOutputHelper output) : HostileInputTests(fixture, output), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class HostileInputTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : HostileInputTests(fixture, output);
