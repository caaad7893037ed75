using System.Net.Sockets;
using System.Text;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// Sends a request exactly as written, for request targets and header combinations that HttpClient
/// would normalise or refuse to send.
/// </summary>
internal static class RawHttp
{
    public static async Task<RawHttpResponse> SendAsync(int port, string requestHead, string body = "")
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(requestHead + "\r\n" + body));

        var received = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await stream.CopyToAsync(received, timeout.Token);
        return RawHttpResponse.Parse(Encoding.UTF8.GetString(received.ToArray()));
    }
}
