using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// A loopback port nobody listens on right now, for a process the test starts and that binds it a few seconds later.
/// Taken below the kernel's ephemeral range: a port the kernel picked (bind to port 0) is one it hands out again to any
/// outgoing connection in the meantime, and a Functions host that then fails to bind takes a whole collection with it.
/// </summary>
internal static class LoopbackPort
{
    // Above the well-known ports and Azurite's defaults (10000-10002).
    private const int Lowest = 20000;

    private static readonly HashSet<int> s_handedOut = [];

    public static int Unused()
    {
        var below = EphemeralRangeStart();
        lock (s_handedOut)
        {
            for (var attempt = 0; below > Lowest && attempt < 200; attempt++)
            {
                var port = Random.Shared.Next(Lowest, below);
                if (!s_handedOut.Contains(port) && IsFree(port))
                {
                    s_handedOut.Add(port);
                    return port;
                }
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of <c>net.ipv4.ip_local_port_range</c>; 0 where it cannot be read.</summary>
    private static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}
