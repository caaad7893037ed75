using System.Net;
using System.Net.Sockets;

namespace Proxy.Tests.Infrastructure;

/// <summary>A loopback port nobody listens on right now.</summary>
internal static class LoopbackPort
{
    public static int Unused()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
