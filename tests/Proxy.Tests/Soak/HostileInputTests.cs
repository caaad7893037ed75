using System.Globalization;
using System.Text;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Soak;

/// <summary>
/// Requests built to confuse a proxy: oversize, malformed, smuggling, escaping, impersonating. Each gets the documented
/// error, and none reaches the upstream as if it were well-formed. Those that break HTTP/1.1 itself are refused by Kestrel
/// before the proxy's handler runs; the standalone host's connection wrappers turn those refusals into the documented answer.
/// </summary>
[Collection(OnStandaloneHost.Name)]
public sealed class HostileInputTests(StandaloneHostFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan s_answerBound = TimeSpan.FromSeconds(15);
    private static readonly string s_auth = $"Authorization: Bearer {ProxyFixture.ClientKey}\r\n";

    [Theory]
    [InlineData("one header of 40 KB", 431, "GET", "/v1/echo", "Request Header Fields Too Large: ")]
    [InlineData("120 headers", 431, "GET", "/v1/echo", "Request Header Fields Too Large: ")]
    [InlineData("a 10 KB request target", 414, "GET", "/v1/{2040 a}\u2026", "URI Too Long: ")]
    [InlineData("raw invalid UTF-8 in the path", 400, "GET", "/v1/ech%FF%FEo", "Bad Request: ")]
    [InlineData("an encoded NUL in the path", 400, "GET", "/v1/ech%00o", "Bad Request: ")]
    [InlineData("invalid UTF-8 in a header value", 400, "GET", "/v1/echo", "Bad Request: ")]
    [InlineData("a NUL in a header value", 400, "GET", "/v1/echo", "Bad Request: ")]
    [InlineData("a bare CR inside X-Client-Request-Id", 400, "GET", "/v1/echo", "Bad Request: ")]
    [InlineData("a bare LF inside X-Client-Request-Id", 400, "GET", "/v1/echo", "Bad Request: ")]
    [InlineData("an absolute-form target naming another host than Host", 400, "GET", "/v1/echo", "Bad Request: ")]
    [InlineData("two Host headers", 400, "GET", "/v1/echo", "Bad Request: ")]
    [InlineData("two different Content-Length headers", 400, "POST", "/v1/upload", "Bad Request: ")]
    [InlineData("a Transfer-Encoding that does not end in chunked", 400, "POST", "/v1/upload", "Bad Request: ")]
    [InlineData("GET with the asterisk-form target", 405, "GET", "*", "Method Not Allowed: ")]
    public async Task MalformedAtTheHttpLayer_GetsTheDocumentedErrorAndARecord_AndNeverReachesTheUpstream(
        string malformation, int status, string method, string path, string messageStart)
    {
        path = path.Replace("{2040 a}", new string('a', 2040), StringComparison.Ordinal);
        var before = fixture.Upstream.Requests.Count;

        var result = await RawSocketExchange.SendAsync(fixture.Proxy.Port, RawSocketExchange.Bytes(KestrelCase(malformation)), s_answerBound);

        output.WriteLine($"{malformation}: {result.StatusLine} {result.Response.Body}");
        var response = result.Response;
        var body = ErrorBodyAssert.Matches(response, status, path, messageStart);
        Assert.Equal("close", response.Headers["Connection"]);
        Assert.Equal(Encoding.UTF8.GetByteCount(response.Body).ToString(CultureInfo.InvariantCulture), response.Headers["Content-Length"]);
        Assert.Equal(before, fixture.Upstream.Requests.Count);

        var record = await fixture.Failures.WaitForAsync(body.GetProperty("requestId").GetString()!);
        Assert.Equal((status, "bad_request", method, path), (record.StatusCode, record.Kind, record.Method, record.Path));
    }

    [Fact]
    public async Task MalformedRequestAfterAnAnsweredOneOnTheSameConnection_IsAnsweredWithItsOwnPath()
    {
        var before = fixture.Upstream.Requests.Count;
        var body = new string('x', 300);

        // A request with a body, answered, then one with a NUL in a header: the second's path is read where the first's body ends.
        var result = await RawSocketExchange.SendAsync(fixture.Proxy.Port, RawSocketExchange.Bytes(
            $"POST /v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n{s_auth}Content-Type: text/plain\r\nContent-Length: {body.Length}\r\n\r\n{body}" +
            Get("/v1/second/path?key=secret", "X-Custom: a\0b\r\n")), s_answerBound);

        var second = result.Text[result.Text.LastIndexOf("HTTP/1.1 400 ", StringComparison.Ordinal)..];
        output.WriteLine(second);
        var response = RawHttpResponse.Parse(second);
        ErrorBodyAssert.Matches(response, 400, "/v1/second/path", "Bad Request: ");
        Assert.Equal(before + 1, fixture.Upstream.Requests.Count);
    }

    [Theory]
    [InlineData("/v1/%2E./admin")]
    [InlineData("/v1/.%2e/admin")]
    [InlineData("/v1/%2e%2E/v1/echo")]
    [InlineData("/v1/..%5Cadmin")]
    [InlineData("/v1/..\\admin")]
    [InlineData("/v1/echo%2F..%2F..%2Fadmin")]
    [InlineData("/V1/../v1/echo")]
    [InlineData("/v1/echo/..")]
    [InlineData("/v1/%2e")]
    [InlineData("//127.0.0.1/v1/echo")]
    [InlineData("/v1/%252e%252e/admin")]
    [InlineData("/v1/%252E%252E/v1/echo")]
    [InlineData("/v1/%252f..%252fadmin")]
    [InlineData("/v1/..;/admin")]
    public async Task PathEscapeInAnyEncodingOrCase_Gives404AndNoUpstreamCall(string target)
    {
        var before = fixture.Upstream.Requests.Count;

        var response = await RawHttp.SendAsync(fixture.Proxy.Port, $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{s_auth}Connection: close\r\n");

        ErrorBodyAssert.Matches(response, 404, target, "Not Found: ");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Theory]
    [InlineData("/v1/ech%0d%0ao")]
    [InlineData("/v1/ech%0Ao")]
    [InlineData("/v1/%09/echo")]
    [InlineData("/v1/ech%7fo")]
    [InlineData("/v1/ech\u0001o")]
    [InlineData("/v1/ech\u001bo")]
    public async Task ControlCharacterInThePath_Gives400AndNoUpstreamCall(string target)
    {
        var before = fixture.Upstream.Requests.Count;

        var result = await RawSocketExchange.SendAsync(fixture.Proxy.Port, RawSocketExchange.Bytes(Get(target)), s_answerBound);

        output.WriteLine(result.StatusLine);
        ErrorBodyAssert.Matches(result.Response, 400, target, "Bad Request: the path contains control characters.");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Theory]
    [InlineData("/v1/ech%ff%feo")]
    [InlineData("/v1/models/%c3%28")]
    [InlineData("/v1/%c0%ae%c0%ae/admin")]
    [InlineData("/v1/%C0%AE%C0%AE/v1/echo")]
    [InlineData("/v1/%e0%80%ae%e0%80%ae/admin")]
    public async Task PercentEncodedInvalidOrOverlongUtf8InThePath_Gives400AndNoUpstreamCall(string target)
    {
        var before = fixture.Upstream.Requests.Count;

        var response = await RawHttp.SendAsync(fixture.Proxy.Port, $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{s_auth}Connection: close\r\n");

        ErrorBodyAssert.Matches(response, 400, target, "Bad Request: the path is not valid percent-encoded UTF-8.");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Theory]
    [InlineData("\u0001")]
    [InlineData("\u0007")]
    [InlineData("\u001b")]
    [InlineData("\u007f")]
    public async Task ControlCharacterInAHeaderValue_Gives400AndNoUpstreamCall(string control)
    {
        var before = fixture.Upstream.Requests.Count;

        var result = await RawSocketExchange.SendAsync(fixture.Proxy.Port, RawSocketExchange.Bytes(Get(extraHeaders: $"X-Custom: a{control}b\r\n")), s_answerBound);

        ErrorBodyAssert.Matches(result.Response, 400, "/v1/echo", "Bad Request: a header value contains control characters.");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Fact]
    public async Task CrLfInClientRequestId_SplitsOnlyTheClientsOwnRequest_AndEncodedIsNeitherEchoedNorForwarded()
    {
        // Raw CR LF ends the header line: what follows is simply another request header, which the proxy never echoes.
        var split = await RawHttp.SendAsync(fixture.Proxy.Port,
            $"GET /v1/echo?crlf=raw HTTP/1.1\r\nHost: 127.0.0.1\r\n{s_auth}X-Client-Request-Id: abc\r\nSet-Cookie: injected=1\r\nConnection: close\r\n");
        var encoded = await RawHttp.SendAsync(fixture.Proxy.Port,
            $"GET /v1/echo?crlf=encoded HTTP/1.1\r\nHost: 127.0.0.1\r\n{s_auth}X-Client-Request-Id: abc%0d%0aSet-Cookie:%20injected=1\r\nConnection: close\r\n");

        Assert.Equal(200, split.StatusCode);
        Assert.Equal("abc", split.Headers["x-client-request-id"]);
        Assert.False(split.Headers.ContainsKey("Set-Cookie"));
        Assert.Equal(200, encoded.StatusCode);
        Assert.False(encoded.Headers.ContainsKey("x-client-request-id"));
        Assert.False(encoded.Headers.ContainsKey("Set-Cookie"));
        Assert.False(fixture.Upstream.LastRequestTo("/v1/echo?crlf=encoded")!.Headers.ContainsKey("X-Client-Request-Id"));
    }

    /// <summary>
    /// Absolute-form, authority-form and asterisk-form targets, with a Host that matches them, so that Kestrel lets them
    /// through to the proxy, which must not follow them anywhere. Under the Functions host the host's server takes them
    /// apart first (README, "Running under the Functions host").
    /// </summary>
    [Theory]
    [InlineData("GET http://upstream.example/v1/echo HTTP/1.1", "upstream.example", "/v1/echo")]
    [InlineData("GET http://169.254.169.254/v1/echo HTTP/1.1", "169.254.169.254", "/v1/echo")]
    [InlineData("CONNECT upstream.example:443 HTTP/1.1", "upstream.example:443", "/")]
    [InlineData("OPTIONS * HTTP/1.1", "127.0.0.1", "/")]
    [InlineData("GET http://{upstream}/v1/echo HTTP/1.1", "{upstream}", "/v1/echo")]
    [InlineData("GET http://{proxy}/v1/echo HTTP/1.1", "{proxy}", "/v1/echo")]
    [InlineData("GET https://api.aimlapi.com/v1/echo HTTP/1.1", "api.aimlapi.com", "/v1/echo")]
    [InlineData("CONNECT {upstream} HTTP/1.1", "{upstream}", "/")]
    [InlineData("CONNECT api.aimlapi.com:443 HTTP/1.1", "api.aimlapi.com:443", "/")]
    public async Task NonOriginFormTarget_WithAMatchingHost_Gives404AndNoUpstreamCall(string requestLine, string host, string path)
    {
        var before = fixture.Upstream.Requests.Count;

        var response = await RawHttp.SendAsync(fixture.Proxy.Port, $"{Fill(requestLine)}\r\nHost: {Fill(host)}\r\n{s_auth}Connection: close\r\n");

        ErrorBodyAssert.Matches(response, 404, path, "Not Found: ");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Theory]
    [InlineData("upstream", "Host: {upstream}\r\n")]
    [InlineData("proxy", "Host: {proxy}\r\n")]
    [InlineData("forwarded", "Host: api.aimlapi.com\r\nX-Forwarded-Host: 169.254.169.254\r\nX-Forwarded-Proto: https\r\nForwarded: host=169.254.169.254\r\n")]
    public async Task HostHeaderGames_ReachOnlyTheConfiguredUpstream_OnceAndUnderItsName(string game, string headers)
    {
        var target = "/v1/echo?host-game=" + game;

        var response = await RawHttp.SendAsync(fixture.Proxy.Port, $"GET {target} HTTP/1.1\r\n{Fill(headers)}{s_auth}Connection: close\r\n");

        // A Host naming the proxy itself must not make it call itself; naming another host must not make it go there.
        Assert.Equal(200, response.StatusCode);
        var seen = Assert.Single(fixture.Upstream.Requests, request => request.Target == target);
        Assert.Equal(fixture.Upstream.BaseAddress.Authority, seen.Headers["Host"]);
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
        var before = fixture.Upstream.Requests.Count;

        var response = await RawHttp.SendAsync(fixture.Proxy.Port, $"GET /v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n{credentials}Connection: close\r\n");

        ErrorBodyAssert.Matches(response, 400, "/v1/echo", "Bad Request: ");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/octet-stream")]
    public async Task DeclaredBodyOverTheLimit_WhileTheBodyStreams_Gives413AndNoUpstreamCall(string contentType)
    {
        var before = fixture.Upstream.Requests.Count;
        var head = $"POST /v1/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n{s_auth}Content-Type: {contentType}\r\n" +
            $"Content-Length: {(ProxyFixture.MaxRequestBodySize + 1).ToString(CultureInfo.InvariantCulture)}\r\nConnection: close\r\n\r\n";

        var result = await RawSocketExchange.SendAsync(fixture.Proxy.Port,
            [.. Encoding.ASCII.GetBytes(head), .. Encoding.ASCII.GetBytes("{\"model\":\"huge\",\"input\":\""), .. new byte[256 * 1024]], s_answerBound);

        output.WriteLine($"{contentType}: {result.StatusLine} after {result.Elapsed.TotalMilliseconds:F0} ms");
        ErrorBodyAssert.Matches(result.Response, 413, "/v1/upload", "Payload Too Large: ");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Fact]
    public async Task ChunkedBodyGrowingOverTheLimit_Gives413_AndTheUpstreamNeverSeesItComplete()
    {
        await using var recorder = new BodyRecordingUpstream();
        await using var proxy = await fixture.StartProxyAsync(recorder.BaseAddress, ("Proxy__Forwarding__MaxRequestBodySize", "65536"));
        var chunk = Encoding.ASCII.GetBytes("4000\r\n" + new string('x', 0x4000) + "\r\n");
        var request = Encoding.ASCII.GetBytes($"POST /v1/upload?chunked=oversize HTTP/1.1\r\nHost: 127.0.0.1\r\n{s_auth}" +
            "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
            .Concat(Enumerable.Repeat(chunk, 8).SelectMany(bytes => bytes)).Concat("0\r\n\r\n"u8.ToArray()).ToArray();

        var result = await RawSocketExchange.SendAsync(proxy.Port, request, s_answerBound);

        output.WriteLine($"{result.StatusLine} after {result.Elapsed.TotalMilliseconds:F0} ms");
        ErrorBodyAssert.Matches(result.Response, 413, "/v1/upload", "Payload Too Large: ");
        await AssertNeverCompleteAsync(recorder, "/v1/upload?chunked=oversize");
    }

    [Fact]
    public async Task MalformedChunk_Gives400_AndTheUpstreamNeverSeesACompleteBody()
    {
        await using var recorder = new BodyRecordingUpstream();
        await using var proxy = await fixture.StartProxyAsync(recorder.BaseAddress);

        var result = await RawSocketExchange.SendAsync(proxy.Port, RawSocketExchange.Bytes(
            $"POST /v1/upload?chunked=malformed HTTP/1.1\r\nHost: 127.0.0.1\r\n{s_auth}Content-Type: application/octet-stream\r\n" +
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\nzz\r\nmore\r\n0\r\n\r\n"), s_answerBound);

        output.WriteLine($"{result.StatusLine} after {result.Elapsed.TotalMilliseconds:F0} ms");
        ErrorBodyAssert.Matches(result.Response, 400, "/v1/upload", "Bad Request: the request body could not be read");
        await AssertNeverCompleteAsync(recorder, "/v1/upload?chunked=malformed");
    }

    [Fact]
    public async Task TransferEncodingWithContentLength_Gives400AndClosesTheConnection_SoNothingCanBeSmuggled()
    {
        await using var recorder = new BodyRecordingUpstream();
        await using var proxy = await fixture.StartProxyAsync(recorder.BaseAddress);

        // Were Content-Length (5) believed anywhere downstream, "0\r\n\r\nGET /v1/smuggled" would start a second request.
        var result = await RawSocketExchange.SendAsync(proxy.Port, RawSocketExchange.Bytes(
            $"POST /v1/upload?te=cl HTTP/1.1\r\nHost: 127.0.0.1\r\n{s_auth}Content-Type: application/octet-stream\r\n" +
            "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" +
            "1c\r\nhello\r\nGET /v1/smuggled HTTP\r\n0\r\n\r\n"), s_answerBound);

        output.WriteLine($"{result.StatusLine} after {result.Elapsed.TotalMilliseconds:F0} ms; upstream heads: {string.Join(", ", recorder.Heads)}");
        var body = ErrorBodyAssert.Matches(result.Response, 400, "/v1/upload", "Bad Request: the request has both Transfer-Encoding and Content-Length");
        Assert.Equal("close", result.Response.Headers["Connection"]);
        Assert.False(result.TimedOut, "the proxy closed the connection after its answer");
        Assert.Empty(recorder.Heads);
        var record = await fixture.Failures.WaitForAsync(body.GetProperty("requestId").GetString()!);
        Assert.Equal((400, "bad_request"), (record.StatusCode, record.Kind));
    }

    [Fact]
    public async Task ContentLengthBodyThatStalls_IsAnsweredWithinTheUpstreamTimeout_AndNeverReachesTheUpstreamComplete()
    {
        await using var recorder = new BodyRecordingUpstream();
        await using var proxy = await fixture.StartProxyAsync(recorder.BaseAddress);

        // 12 of 100 declared bytes, then nothing: a slow client, or one holding a connection open on purpose.
        var result = await RawSocketExchange.SendAsync(proxy.Port, RawSocketExchange.Bytes(
            $"POST /v1/upload?stall=content-length HTTP/1.1\r\nHost: 127.0.0.1\r\n{s_auth}Content-Type: application/json\r\n" +
            "Content-Length: 100\r\nConnection: close\r\n\r\n{\"model\":\"x\""), s_answerBound);

        output.WriteLine($"{result.StatusLine} after {result.Elapsed.TotalMilliseconds:F0} ms, body '{(result.HasHead ? result.Response.Body : string.Empty)}'");
        Assert.False(result.TimedOut, "answered within the bound");
        Assert.InRange(result.Elapsed, TimeSpan.Zero, ProxyFixture.UpstreamTimeout + TimeSpan.FromSeconds(5));

        // The client is still there but its body stopped: the documented 400, not the upstream's fault.
        ErrorBodyAssert.Matches(result.Response, 400, "/v1/upload", "Bad Request: the request body ");
        await AssertNeverCompleteAsync(recorder, "/v1/upload?stall=content-length");
    }

    [Fact]
    public async Task ChunkedBodyThatNeverFinishes_EndsWithinABound_AndNeverReachesTheUpstreamComplete()
    {
        await using var recorder = new BodyRecordingUpstream();
        await using var proxy = await fixture.StartProxyAsync(recorder.BaseAddress);

        var result = await RawSocketExchange.SendAsync(proxy.Port, RawSocketExchange.Bytes(
            $"POST /v1/upload?stall=chunked HTTP/1.1\r\nHost: 127.0.0.1\r\n{s_auth}Content-Type: application/octet-stream\r\n" +
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n"), s_answerBound);

        // Kestrel resets the connection some seconds after the answer, when it gives up draining the body; the answer came first.
        output.WriteLine($"'{result.StatusLine}' after {result.Elapsed.TotalMilliseconds:F0} ms, reset: {result.Reset}");
        Assert.False(result.TimedOut, "the connection ended within the bound");
        ErrorBodyAssert.Matches(result.Response, 400, "/v1/upload", "Bad Request: the request body ");

        await AssertNeverCompleteAsync(recorder, "/v1/upload?stall=chunked");
    }

    [Fact]
    public async Task StalledBodyOfARefusedRequest_GetsTheDocumentedErrorWithinTwoSeconds_AndNoUpstreamCall()
    {
        var before = fixture.Upstream.Requests.Count;

        // No key: refused before forwarding; the proxy looks only at body bytes that have already arrived.
        var result = await RawSocketExchange.SendAsync(fixture.Proxy.Port, RawSocketExchange.Bytes(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"model\":\"x\""),
            s_answerBound);

        output.WriteLine($"{result.StatusLine} after {result.Elapsed.TotalMilliseconds:F0} ms");
        ErrorBodyAssert.Matches(result.Response, 401, "/v1/chat/completions", "This request requires a valid API key.");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Fact]
    public async Task RefusedRequestWhoseJsonBodyNeverArrives_LeavesNoStackTraceInTheLog()
    {
        var before = fixture.Proxy.Output.Count;

        await RawSocketExchange.SendAsync(fixture.Proxy.Port, RawSocketExchange.Bytes(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n"),
            s_answerBound);
        await Task.Delay(TimeSpan.FromSeconds(7));

        Assert.DoesNotContain(fixture.Proxy.Output.Skip(before), line => line.Contains("   at ", StringComparison.Ordinal));
    }

    /// <summary>The upstream either never saw the request, or saw a body that its framing says is incomplete.</summary>
    private async Task AssertNeverCompleteAsync(BodyRecordingUpstream recorder, string target)
    {
        if (!recorder.Heads.Contains(target))
        {
            output.WriteLine($"{target}: never reached the upstream");
            return;
        }

        var body = await recorder.WaitForBodyAsync(target, s_answerBound);
        output.WriteLine($"{target}: the upstream saw {body.BytesReceived} bytes framed by {body.Framing}, complete: {body.Complete}");
        Assert.False(body.Complete, "the upstream never took a partial body for a whole one");
    }

    /// <summary>Requests that break HTTP/1.1 itself, each with one thing wrong and a valid key.</summary>
    private string KestrelCase(string malformation)
    {
        var request = malformation switch
        {
            "one header of 40 KB" => Get(extraHeaders: $"X-Big: {new string('a', 40 * 1024)}\r\n"),
            "120 headers" => Get(extraHeaders: string.Concat(Enumerable.Range(0, 120).Select(i => $"X-Header-{i}: {i}\r\n"))),
            "a 10 KB request target" => Get(target: "/v1/" + new string('a', 10 * 1024)),
            "raw invalid UTF-8 in the path" => Get(target: "/v1/ech\u00ff\u00feo"),
            "an encoded NUL in the path" => Get(target: "/v1/ech%00o"),
            "invalid UTF-8 in a header value" => Get(extraHeaders: "X-Custom: a\u00ff\u00feb\r\n"),
            "a NUL in a header value" => Get(extraHeaders: "X-Custom: a\0b\r\n"),
            "a bare CR inside X-Client-Request-Id" => Get(extraHeaders: "X-Client-Request-Id: abc\rdef\r\n"),
            "a bare LF inside X-Client-Request-Id" => Get(extraHeaders: "X-Client-Request-Id: abc\ndef\r\n"),
            "an absolute-form target naming another host than Host" => Get(target: $"http://{fixture.Upstream.BaseAddress.Authority}/v1/echo"),
            "two Host headers" => Get(extraHeaders: "Host: other.example\r\n"),
            "two different Content-Length headers" =>
                $"POST /v1/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n{s_auth}Content-Length: 5\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello!",
            "a Transfer-Encoding that does not end in chunked" =>
                $"POST /v1/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n{s_auth}Transfer-Encoding: chunked, identity\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "GET with the asterisk-form target" => Get(target: "*"),
            _ => throw new ArgumentOutOfRangeException(nameof(malformation), malformation, "no such case"),
        };
        return request;
    }

    /// <summary>Puts the fixture's upstream and proxy authorities where a case says <c>{upstream}</c> and <c>{proxy}</c>.</summary>
    private string Fill(string text) => text
        .Replace("{upstream}", fixture.Upstream.BaseAddress.Authority, StringComparison.Ordinal)
        .Replace("{proxy}", fixture.Proxy.BaseAddress.Authority, StringComparison.Ordinal);

    private static string Get(string target = "/v1/echo", string extraHeaders = "") =>
        $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{s_auth}{extraHeaders}Connection: close\r\n\r\n";
}

