using System.Text;
using Proxy.Connections;

namespace Proxy.Tests.Connections;

/// <summary>
/// Which writes are the server's own bare refusal: only that exact shape is replaced, so that nothing the proxy or the
/// upstream sends can be mistaken for one.
/// </summary>
public sealed class ServerRejectionTests
{
    private const string KestrelRefusal =
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\nDate: Fri, 27 Nov 2026 07:46:15 GMT\r\nServer: Kestrel\r\n\r\n";

    [Theory]
    [InlineData(KestrelRefusal, 400)]
    [InlineData("HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\nDate: Fri, 27 Nov 2026 07:46:15 GMT\r\n\r\n", 431)]
    [InlineData("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\nDate: Fri, 27 Nov 2026 07:46:15 GMT\r\n\r\n", 408)]
    public void IsRecognisedInKestrelsBareRefusal(string written, int status)
    {
        Assert.True(ServerRejection.TryParse(Encoding.ASCII.GetBytes(written), out var rejection));
        Assert.Equal(status, rejection.StatusCode);
    }

    [Theory]
    [InlineData("with a request id, as every response of the proxy's handler has",
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\nx-request-id: 5d6f\r\n\r\n")]
    [InlineData("with a body after the head", KestrelRefusal + "{}")]
    [InlineData("of only part of a head", "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n")]
    [InlineData("with a success status", "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")]
    [InlineData("that keeps the connection open", "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("with a body length", "HTTP/1.1 400 Bad Request\r\nContent-Length: 10\r\nConnection: close\r\n\r\n")]
    [InlineData("of another protocol version", "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")]
    [InlineData("of an HTTP/2 SETTINGS frame", "\0\0\u0006\u0004\0\0\0\0\0\0\u0003\0\0\0\u0064")]
    public void IsNotRecognisedInAnythingElse(string what, string written)
    {
        Assert.False(ServerRejection.TryParse(Encoding.Latin1.GetBytes(written), out _), what);
    }
}
