namespace Proxy.Connections;

/// <summary>
/// The bounds on client connections of a host whose Kestrel faces clients (the standalone host). Bound from
/// <c>Proxy:Connections</c> (<c>Proxy__Connections__*</c>). Under Azure Functions the platform's front end holds them.
/// </summary>
public sealed class ConnectionOptions
{
    public const string SectionName = "Proxy:Connections";

    /// <summary>
    /// Open client connections at most; Kestrel closes any beyond at once. Each forwarded request may hold an upstream
    /// connection too, so keep this under half the process's open-file limit (<c>ulimit -n</c>).
    /// </summary>
    public int MaxConnections { get; set; } = 8000;

    /// <summary>
    /// Open connections without a request in progress at most (new ones included): beyond, one is closed (the oldest new
    /// one past <see cref="FirstRequestGracePeriod"/>; else, while new ones hold more than half of this, the oldest new
    /// one; else the longest idle of those kept alive, gracefully), so that connections opened and left idle cannot crowd
    /// out clients that send requests.
    /// </summary>
    public int MaxIdleConnections { get; set; } = 1000;

    /// <summary>
    /// How long a new connection has for its first request (and a TLS handshake before it) before the idle limit closes it
    /// ahead of every other idle connection. A client sends its first request at once; one that sends none keeps the
    /// connection at most until <see cref="KeepAliveTimeout"/>, and under the idle limit only until it is the oldest past
    /// this period.
    /// </summary>
    public TimeSpan FirstRequestGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a connection may stay open without a request (Kestrel's default is 130 seconds).</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(75);
}
