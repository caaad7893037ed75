using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// Sends bytes exactly as given, for requests <see cref="RawHttp"/> cannot write (it encodes ASCII, so invalid UTF-8 and
/// bytes over 0x7F never reach the wire), and for clients that stall: the socket is only read, never closed, until the
/// server ends the connection or the time runs out. Nothing throws for a reset or a timeout; the result says which.
/// </summary>
internal static class RawSocketExchange
{
    public static async Task<RawSocketResult> SendAsync(int port, byte[] request, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var received = new MemoryStream();
        var reset = false;
        var timedOut = false;
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await stream.WriteAsync(request, deadline.Token);
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            timedOut = true;
        }
        catch (IOException)
        {
            // A server that answers and then resets (Kestrel after a body it gave up draining) still answered.
            reset = true;
        }

        return new RawSocketResult(Encoding.UTF8.GetString(received.ToArray()), clock.Elapsed, reset, timedOut);
    }

    /// <summary>Latin-1, so that every char below 256 becomes exactly that byte, invalid UTF-8 included.</summary>
    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);
}
