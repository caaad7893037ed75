using System.Text;
using Proxy.Connections;

namespace Proxy.Tests.Connections;

/// <summary>What a refused request's first line is reported as: its method, and its path safe to show anywhere.</summary>
public sealed class RejectedRequestLineTests
{
    [Theory]
    [InlineData("GET /v1/chat/completions HTTP/1.1\r", "GET", "/v1/chat/completions")]
    [InlineData("POST /v1/files?key=sk-secret HTTP/1.1\r", "POST", "/v1/files")]
    [InlineData("GET http://169.254.169.254/v1/echo?x=1 HTTP/1.1\r", "GET", "/v1/echo")]
    [InlineData("GET http://example.com HTTP/1.1\r", "GET", "/")]
    [InlineData("CONNECT api.aimlapi.com:443 HTTP/1.1\r", "CONNECT", "/")]
    [InlineData("GET * HTTP/1.1\r", "GET", "*")]
    [InlineData("GET http://other.example?x=/sk-secret-1 HTTP/1.1\r", "GET", "/")]
    [InlineData("GET v1/chat?redirect=https://x.example/sk-secret-2 HTTP/1.1\r", "GET", "/")]
    [InlineData("GET /v1/echo#sk-secret-3 HTTP/1.1\r", "GET", "/v1/echo")]
    [InlineData("GET 1http://x.example/v1/echo HTTP/1.1\r", "GET", "/")]
    [InlineData("GET /v1/ech\u0000o HTTP/1.1\r", "GET", "/v1/ech%00o")]
    [InlineData("GET /v1/a\rb HTTP/1.1\r", "GET", "/v1/a%0Db")]
    [InlineData("GET /v1/caf\u00c3\u00a9 HTTP/1.1\r", "GET", "/v1/caf%C3%A9")]
    [InlineData("G(T /v1/echo HTTP/1.1\r", "", "/v1/echo")]
    [InlineData("GARBAGE\r", "", "/")]
    public void IsReadAsSent_WithoutTheQuery_AndWithEveryByteOutsidePrintableAsciiEncoded(string line, string method, string path)
    {
        var parsed = RejectedRequestLine.Parse(Encoding.Latin1.GetBytes(line), cut: false);

        Assert.Equal(new RejectedRequestLine(method, path), parsed);
    }

    [Fact]
    public void ThatWasCutShort_EndsItsPathWithAnEllipsis()
    {
        var parsed = RejectedRequestLine.Parse("GET /v1/aaaaaaaa"u8, cut: true);

        Assert.Equal(new RejectedRequestLine("GET", "/v1/aaaaaaaa\u2026"), parsed);
    }

    [Fact]
    public void ThatWasCutShortInItsQuery_KeepsTheWholePath()
    {
        var parsed = RejectedRequestLine.Parse("GET /v1/echo?key=sk-aaaa"u8, cut: true);

        Assert.Equal(new RejectedRequestLine("GET", "/v1/echo"), parsed);
    }
}
