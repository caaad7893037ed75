using Microsoft.AspNetCore.Connections;

namespace Proxy.Connections;

/// <summary>A client connection as the idle limit knows it: the connection, and when it was accepted (a timestamp of the limit's clock).</summary>
internal readonly record struct AcceptedConnection(ConnectionContext Connection, long AcceptedAt);
