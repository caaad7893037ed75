using System.Net;
using System.Net.Sockets;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// A TCP relay in front of an upstream that can be switched off and on, to make the upstream flap. Off, it refuses new
/// connections (nothing listens) and resets every connection it carries, as a crashed upstream host does, so pooled
/// connections break too; on, it listens on the same port again. Everything that passes is relayed byte for byte.
/// </summary>
internal sealed class SwitchableTcpRelay : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly object _gate = new();
    private readonly HashSet<Socket> _carried = [];
    private TcpListener? _listener;
    private CancellationTokenSource? _accepting;
    private int _port;

    public SwitchableTcpRelay(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        Listen();
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{_port}");

    public bool IsUp
    {
        get
        {
            lock (_gate)
            {
                return _listener is not null;
            }
        }
    }

    /// <summary>Refuses new connections and resets the open ones.</summary>
    public void Down()
    {
        List<Socket> carried;
        lock (_gate)
        {
            // Stop listening first, so that a client retrying on a fresh connection is refused rather than let through.
            _accepting?.Cancel();
            _accepting?.Dispose();
            _accepting = null;
            _listener?.Stop();
            _listener = null;
            carried = [.. _carried];
            _carried.Clear();
        }

        foreach (var socket in carried)
        {
            Reset(socket);
        }
    }

    /// <summary>Listens again on the same port.</summary>
    public async Task UpAsync()
    {
        // The port was free a moment ago and only this relay binds it, but give the kernel a few tries.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Listen();
                return;
            }
            catch (SocketException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Down();
        return ValueTask.CompletedTask;
    }

    private void Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, _port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        var accepting = new CancellationTokenSource();
        lock (_gate)
        {
            _port = ((IPEndPoint)listener.LocalEndpoint).Port;
            _listener = listener;
            _accepting = accepting;
        }

        _ = AcceptAsync(listener, accepting.Token);
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var client = await listener.AcceptSocketAsync(cancellationToken);
                _ = RelayAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        lock (_gate)
        {
            if (_listener is null)
            {
                // Switched off between accept and here.
                Reset(client);
                upstream.Dispose();
                return;
            }

            _carried.Add(client);
            _carried.Add(upstream);
        }

        try
        {
            await upstream.ConnectAsync(_target);
            await Task.WhenAny(PumpAsync(client, upstream), PumpAsync(upstream, client));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _carried.Remove(client);
                _carried.Remove(upstream);
            }

            client.Dispose();
            upstream.Dispose();
        }
    }

    /// <summary>Copies one direction until its sender closes; the caller then closes both sides.</summary>
    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Linger 0 makes close send RST instead of FIN: a reset, as a crashed host gives.</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        socket.Dispose();
    }
}
