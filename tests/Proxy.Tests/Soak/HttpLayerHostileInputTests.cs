using System.Globalization;
using System.Text;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Soak;

/// <summary>
/// Hostile input that the server facing the client parses before any handler: requests that break HTTP/1.1 itself, which
/// Kestrel refuses and the standalone host's connection wrappers answer with the documented body; non-origin-form targets;
/// path spellings that escape the prefixes; bodies that stall. Standalone host only: under the Functions host, the host's
/// own server answers or normalises these before the app runs (docs/running.md, "Running under the Functions host").
/// </summary>
public sealed class HttpLayerHostileInputTests(InProcessFixture fixture, ITestOutputHelper output) : HostileRequests(fixture, output), IClassFixture<InProcessFixture>
{
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
        var before = Fixture.Upstream.Requests.Count;

        var result = await RawSocketExchange.SendAsync(Fixture.Proxy.Port, RawSocketExchange.Bytes(KestrelCase(malformation)), AnswerBound);

        Output.WriteLine($"{malformation}: {result.StatusLine} {result.Response.Body}");
        var response = result.Response;
        var body = ErrorBodyAssert.Matches(response, status, path, messageStart);
        Assert.Equal("close", response.Headers["Connection"]);
        Assert.Equal(Encoding.UTF8.GetByteCount(response.Body).ToString(CultureInfo.InvariantCulture), response.Headers["Content-Length"]);
        Assert.Equal(before, Fixture.Upstream.Requests.Count);

        var record = await Fixture.Failures.WaitForAsync(body.GetProperty("requestId").GetString()!);
        Assert.Equal((status, "bad_request", method, path), (record.StatusCode, record.Kind, record.Method, record.Path));
    }

    [Fact]
    public async Task MalformedRequestAfterAnAnsweredOneOnTheSameConnection_IsAnsweredWithItsOwnPath()
    {
        var before = Fixture.Upstream.Requests.Count;
        var body = new string('x', 300);

        // A request with a body, answered, then one with a NUL in a header: the second's path is read where the first's body ends.
        var result = await RawSocketExchange.SendAsync(Fixture.Proxy.Port, RawSocketExchange.Bytes(
            $"POST /v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n{Auth}Content-Type: text/plain\r\nContent-Length: {body.Length}\r\n\r\n{body}" +
            Get("/v1/second/path?key=secret", "X-Custom: a\0b\r\n")), AnswerBound);

        var second = result.Text[result.Text.LastIndexOf("HTTP/1.1 400 ", StringComparison.Ordinal)..];
        Output.WriteLine(second);
        var response = RawHttpResponse.Parse(second);
        ErrorBodyAssert.Matches(response, 400, "/v1/second/path", "Bad Request: ");
        Assert.Equal(before + 1, Fixture.Upstream.Requests.Count);
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
        var before = Fixture.Upstream.Requests.Count;

        var response = await RawHttp.SendAsync(Fixture.Proxy.Port, $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{Auth}Connection: close\r\n");

        ErrorBodyAssert.Matches(response, 404, target, "Not Found: ");
        Assert.Equal(before, Fixture.Upstream.Requests.Count);
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
        var before = Fixture.Upstream.Requests.Count;

        var result = await RawSocketExchange.SendAsync(Fixture.Proxy.Port, RawSocketExchange.Bytes(Get(target)), AnswerBound);

        Output.WriteLine(result.StatusLine);
        ErrorBodyAssert.Matches(result.Response, 400, target, "Bad Request: the path contains control characters.");
        Assert.Equal(before, Fixture.Upstream.Requests.Count);
    }

    [Theory]
    [InlineData("/v1/ech%ff%feo")]
    [InlineData("/v1/models/%c3%28")]
    [InlineData("/v1/%c0%ae%c0%ae/admin")]
    [InlineData("/v1/%C0%AE%C0%AE/v1/echo")]
    [InlineData("/v1/%e0%80%ae%e0%80%ae/admin")]
    public async Task PercentEncodedInvalidOrOverlongUtf8InThePath_Gives400AndNoUpstreamCall(string target)
    {
        var before = Fixture.Upstream.Requests.Count;

        var response = await RawHttp.SendAsync(Fixture.Proxy.Port, $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{Auth}Connection: close\r\n");

        ErrorBodyAssert.Matches(response, 400, target, "Bad Request: the path is not valid percent-encoded UTF-8.");
        Assert.Equal(before, Fixture.Upstream.Requests.Count);
    }

    /// <summary>
    /// Absolute-form, authority-form and asterisk-form targets, with a Host that matches them, so that Kestrel lets them
    /// through to the proxy, which must not follow them anywhere. Under the Functions host the host's server takes them
    /// apart first (docs/running.md, "Running under the Functions host").
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
        var before = Fixture.Upstream.Requests.Count;

        var response = await RawHttp.SendAsync(Fixture.Proxy.Port, $"{Fill(requestLine)}\r\nHost: {Fill(host)}\r\n{Auth}Connection: close\r\n");

        ErrorBodyAssert.Matches(response, 404, path, "Not Found: ");
        Assert.Equal(before, Fixture.Upstream.Requests.Count);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/octet-stream")]
    public async Task DeclaredBodyOverTheLimit_WhileTheBodyStreams_Gives413AndNoUpstreamCall(string contentType)
    {
        var before = Fixture.Upstream.Requests.Count;
        var head = $"POST /v1/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n{Auth}Content-Type: {contentType}\r\n" +
            $"Content-Length: {(ProxyFixture.MaxRequestBodySize + 1).ToString(CultureInfo.InvariantCulture)}\r\nConnection: close\r\n\r\n";

        var result = await RawSocketExchange.SendAsync(Fixture.Proxy.Port,
            [.. Encoding.ASCII.GetBytes(head), .. Encoding.ASCII.GetBytes("{\"model\":\"huge\",\"input\":\""), .. new byte[256 * 1024]], AnswerBound);

        Output.WriteLine($"{contentType}: {result.StatusLine} after {result.Elapsed.TotalMilliseconds:F0} ms");
        ErrorBodyAssert.Matches(result.Response, 413, "/v1/upload", "Payload Too Large: ");
        Assert.Equal(before, Fixture.Upstream.Requests.Count);
    }

    [Fact]
    public async Task MalformedChunk_Gives400_AndTheUpstreamNeverSeesACompleteBody()
    {
        await using var recorder = new BodyRecordingUpstream();
        await using var proxy = await Fixture.StartProxyAsync(recorder.BaseAddress);

        var result = await RawSocketExchange.SendAsync(proxy.Port, RawSocketExchange.Bytes(
            $"POST /v1/upload?chunked=malformed HTTP/1.1\r\nHost: 127.0.0.1\r\n{Auth}Content-Type: application/octet-stream\r\n" +
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\nzz\r\nmore\r\n0\r\n\r\n"), AnswerBound);

        Output.WriteLine($"{result.StatusLine} after {result.Elapsed.TotalMilliseconds:F0} ms");
        ErrorBodyAssert.Matches(result.Response, 400, "/v1/upload", "Bad Request: the request body could not be read");
        await AssertNeverCompleteAsync(recorder, "/v1/upload?chunked=malformed");
    }

    [Fact]
    public async Task ContentLengthBodyThatStalls_IsAnsweredWithinTheUpstreamTimeout_AndNeverReachesTheUpstreamComplete()
    {
        await using var recorder = new BodyRecordingUpstream();
        await using var proxy = await Fixture.StartProxyAsync(recorder.BaseAddress);

        // 12 of 100 declared bytes, then nothing: a slow client, or one holding a connection open on purpose.
        var result = await RawSocketExchange.SendAsync(proxy.Port, RawSocketExchange.Bytes(
            $"POST /v1/upload?stall=content-length HTTP/1.1\r\nHost: 127.0.0.1\r\n{Auth}Content-Type: application/json\r\n" +
            "Content-Length: 100\r\nConnection: close\r\n\r\n{\"model\":\"x\""), AnswerBound);

        Output.WriteLine($"{result.StatusLine} after {result.Elapsed.TotalMilliseconds:F0} ms, body '{(result.HasHead ? result.Response.Body : string.Empty)}'");
        Assert.False(result.TimedOut, "answered within the bound");

        // The client is still there but its body stopped: the documented 400, not the upstream's fault.
        ErrorBodyAssert.Matches(result.Response, 400, "/v1/upload", "Bad Request: the request body ");
        await AssertNeverCompleteAsync(recorder, "/v1/upload?stall=content-length");
    }

    [Fact]
    public async Task ChunkedBodyThatNeverFinishes_EndsWithinABound_AndNeverReachesTheUpstreamComplete()
    {
        await using var recorder = new BodyRecordingUpstream();
        await using var proxy = await Fixture.StartProxyAsync(recorder.BaseAddress);

        var result = await RawSocketExchange.SendAsync(proxy.Port, RawSocketExchange.Bytes(
            $"POST /v1/upload?stall=chunked HTTP/1.1\r\nHost: 127.0.0.1\r\n{Auth}Content-Type: application/octet-stream\r\n" +
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n"), AnswerBound);

        // Kestrel resets the connection some seconds after the answer, when it gives up draining the body; the answer came first.
        Output.WriteLine($"'{result.StatusLine}' after {result.Elapsed.TotalMilliseconds:F0} ms, reset: {result.Reset}");
        Assert.False(result.TimedOut, "the connection ended within the bound");
        ErrorBodyAssert.Matches(result.Response, 400, "/v1/upload", "Bad Request: the request body ");

        await AssertNeverCompleteAsync(recorder, "/v1/upload?stall=chunked");
    }

    [Fact]
    public async Task StalledBodyOfARefusedRequest_GetsTheDocumentedErrorWithinTwoSeconds_AndNoUpstreamCall()
    {
        var before = Fixture.Upstream.Requests.Count;

        // No key: refused before forwarding; the proxy looks only at body bytes that have already arrived.
        var result = await RawSocketExchange.SendAsync(Fixture.Proxy.Port, RawSocketExchange.Bytes(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"model\":\"x\""),
            AnswerBound);

        Output.WriteLine($"{result.StatusLine} after {result.Elapsed.TotalMilliseconds:F0} ms");
        ErrorBodyAssert.Matches(result.Response, 401, "/v1/chat/completions", "This request requires a valid API key.");
        Assert.Equal(before, Fixture.Upstream.Requests.Count);
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
            "an absolute-form target naming another host than Host" => Get(target: $"http://{Fixture.Upstream.BaseAddress.Authority}/v1/echo"),
            "two Host headers" => Get(extraHeaders: "Host: other.example\r\n"),
            "two different Content-Length headers" =>
                $"POST /v1/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n{Auth}Content-Length: 5\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello!",
            "a Transfer-Encoding that does not end in chunked" =>
                $"POST /v1/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n{Auth}Transfer-Encoding: chunked, identity\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "GET with the asterisk-form target" => Get(target: "*"),
            _ => throw new ArgumentOutOfRangeException(nameof(malformation), malformation, "no such case"),
        };
        return request;
    }
}
