using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// A client's kept-alive connections left idle: each opened from the test process and used for one request, whose answer
/// is read whole, and then held open without another. Says how many the server has closed since. Disposing closes them.
/// </summary>
internal sealed class KeptAliveConnections : IDisposable
{
    // Opened this many at a time: under Kestrel's listen backlog (512), so that no connection waits for a SYN retransmit.
    private const int Batch = 100;

    private readonly List<Socket> _sockets;

    private KeptAliveConnections(List<Socket> sockets, IReadOnlyList<int> statuses)
    {
        _sockets = sockets;
        Statuses = statuses;
    }

    /// <summary>The status of the one answer each connection got.</summary>
    public IReadOnlyList<int> Statuses { get; }

    /// <summary>
    /// Opens <paramref name="count"/> connections to <paramref name="port"/> and sends <paramref name="requestHead"/> on
    /// each; returns once every answer is read, or throws when <paramref name="timeout"/> (a hang detector) runs out.
    /// </summary>
    public static async Task<KeptAliveConnections> OpenAsync(int port, int count, string requestHead, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var sockets = new List<Socket>(count);
        var statuses = new List<int>(count);
        var request = Encoding.ASCII.GetBytes(requestHead + "\r\n");
        try
        {
            for (var opened = 0; opened < count; opened += Batch)
            {
                var batch = Enumerable.Range(0, Math.Min(Batch, count - opened)).Select(_ => new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }).ToList();
                sockets.AddRange(batch);
                statuses.AddRange(await Task.WhenAll(batch.Select(socket => ExchangeAsync(socket, port, request, deadline.Token))));
            }
        }
        catch
        {
            sockets.ForEach(socket => socket.Dispose());
            throw;
        }

        return new KeptAliveConnections(sockets, statuses);
    }

    /// <summary>How many are still open: the server has neither closed nor reset them.</summary>
    public int CountOpen() => _sockets.Count(socket => !(socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0));

    public void Dispose() => _sockets.ForEach(socket => socket.Dispose());

    private static async Task<int> ExchangeAsync(Socket socket, int port, byte[] request, CancellationToken cancellationToken)
    {
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        await socket.SendAsync(request, SocketFlags.None, cancellationToken);

        var received = new List<byte>();
        var buffer = new byte[4096];
        int status;
        while (!IsWhole(received, out status))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException("The server closed the connection before its answer was whole.");
            }

            received.AddRange(buffer.AsSpan(0, read));
        }

        return status;
    }

    /// <summary>The answer has arrived whole: its head, and its body by Content-Length or to the last chunk.</summary>
    private static bool IsWhole(List<byte> received, out int status)
    {
        status = 0;
        var text = Encoding.ASCII.GetString(received.ToArray());
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headEnd < 0)
        {
            return false;
        }

        var head = RawHttpResponse.Parse(text[..(headEnd + 4)]);
        status = head.StatusCode;
        var bodyLength = text.Length - headEnd - 4;
        return head.Headers.TryGetValue("Content-Length", out var length)
            ? bodyLength >= int.Parse(length, CultureInfo.InvariantCulture)
            : text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
    }
}
