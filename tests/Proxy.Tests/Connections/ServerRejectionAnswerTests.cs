using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Connections;

/// <summary>
/// The standalone host's answers to requests Kestrel refuses by itself (the hostile-input tests cover each malformation):
/// a client that stops sending its head, a HEAD request, a 405, and a response that only looks like a refusal.
/// </summary>
public sealed class ServerRejectionAnswerTests(InProcessFixture fixture, ITestOutputHelper output) : IClassFixture<InProcessFixture>
{
    private const string RefusalShaped = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

    [Fact]
    public async Task HeadThatStopsArriving_Gets408WithTheDocumentedBodyARecordAndAnAccessLine_AfterTheHeadersTimeout()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Proxy__Forwarding__RequestHeadersTimeout", "00:00:01"));

        var result = await RawSocketExchange.SendAsync(proxy.Port, Encoding.ASCII.GetBytes(
            "GET /v1/slow-head?key=sk-slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Partial: "), TimeSpan.FromSeconds(15));

        output.WriteLine($"{result.StatusLine} after {result.Elapsed.TotalMilliseconds:F0} ms");
        var body = ErrorBodyAssert.Matches(result.Response, 408, "/v1/slow-head", "Request Timeout: the request headers did not arrive within 1 seconds.");
        var record = await fixture.Failures.WaitForAsync(body.GetProperty("requestId").GetString()!);
        Assert.Equal((408, "bad_request", "GET", "/v1/slow-head"), (record.StatusCode, record.Kind, record.Method, record.Path));
        await LogLines.WaitForAsync(proxy, "Request " + record.RequestId + " GET /v1/slow-head answered 408 in ");
    }

    [Fact]
    public async Task UpstreamBodyShapedLikeABareRefusal_ReachesTheClientUnchanged()
    {
        // The refusal-shaped part is flushed on its own, after the head has gone, so the proxy writes it alone too:
        // only knowing that a request is being answered keeps it from being taken for Kestrel's refusal.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var upstream = builder.Build();
        upstream.MapGet("/v1/refusal-shaped", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = 1 + RefusalShaped.Length;
            await context.Response.WriteAsync("x");
            await context.Response.Body.FlushAsync();
            await Task.Delay(200);
            await context.Response.WriteAsync(RefusalShaped);
        });
        await upstream.StartAsync();
        await using var proxy = await fixture.StartProxyAsync(new Uri(upstream.Urls.Single()));

        var get = $"GET /v1/refusal-shaped HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ProxyFixture.ClientKey}\r\n";
        var result = await RawSocketExchange.SendAsync(proxy.Port, Encoding.ASCII.GetBytes(get + "\r\n" + get + "Connection: close\r\n\r\n"), TimeSpan.FromSeconds(15));

        var responses = result.Text.Split("HTTP/1.1 200 OK\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, responses.Length);
        Assert.All(responses, response => Assert.EndsWith("\r\n\r\nx" + RefusalShaped, response, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RefusedHeadRequest_GetsTheDocumentedHeadWithoutABody()
    {
        var result = await RawSocketExchange.SendAsync(fixture.Proxy.Port, RawSocketExchange.Bytes(
            $"HEAD /v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ProxyFixture.ClientKey}\r\nX-Custom: a\0b\r\n\r\n"),
            TimeSpan.FromSeconds(15));

        var response = result.Response;
        Assert.Equal(400, response.StatusCode);
        Assert.Equal("application/json", response.Headers["Content-Type"]);
        Assert.Equal(string.Empty, response.Body);
        var record = await fixture.Failures.WaitForAsync(response.Headers["x-request-id"]);
        Assert.Equal((400, "HEAD", "/v1/echo"), (record.StatusCode, record.Method, record.Path));
        Assert.Equal(record.ResponseBytes?.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers["Content-Length"]);
    }

    [Fact]
    public async Task AsteriskTargetWithGet_Gets405WithTheAllowHeaderKestrelSent()
    {
        var result = await RawSocketExchange.SendAsync(fixture.Proxy.Port, RawSocketExchange.Bytes(
            $"GET * HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ProxyFixture.ClientKey}\r\n\r\n"), TimeSpan.FromSeconds(15));

        ErrorBodyAssert.Matches(result.Response, 405, "*", "Method Not Allowed: ");
        Assert.Equal("OPTIONS", result.Response.Headers["Allow"]);
    }
}
