using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// An upstream that misbehaves at the socket level, which no HTTP server framework will do on purpose:
/// <c>/v1/reset</c> resets the connection before answering, <c>/v1/garbage</c> answers with bytes that are not HTTP,
/// <c>/v1/cut</c> sends a 200 and half its body, then resets.
/// </summary>
internal sealed class FaultyUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    public FaultyUpstream()
    {
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => MisbehaveAsync(client));
        }
    }

    private static async Task MisbehaveAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var head = await ReadHeadAsync(stream);
            var target = head.Split(' ', 3) is [_, var path, _] ? path : "/";
            switch (target)
            {
                case "/v1/garbage":
                    await stream.WriteAsync("THIS IS NOT HTTP\r\n\r\n"u8.ToArray());
                    break;
                case "/v1/cut":
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n" + new string('a', 100)));
                    await stream.FlushAsync();
                    await Task.Delay(200);
                    break;
                default:
                    break;
            }

            // Linger 0 makes close send RST instead of FIN: a reset, as a crashed upstream does.
            client.Client.LingerState = new LingerOption(true, 0);
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return head.ToString();
    }
}
