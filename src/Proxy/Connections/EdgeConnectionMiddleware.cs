using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Proxy.Connections;

/// <summary>
/// Puts the tracker and the two transport wrappers on every connection, so that the server's own refusals get the
/// documented answer. Outermost on the connection: under TLS it would see ciphertext, match nothing and change nothing.
/// </summary>
internal sealed class EdgeConnectionMiddleware(
    ConnectionDelegate next, ServerRejectionAnswerer answerer, IdleConnectionLimit idleLimit, KestrelServerLimits limits)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var tracker = new ConnectionRequestTracker(connection, idleLimit);
        connection.Features.Set(tracker);
        var transport = connection.Transport;
        connection.Transport = new DuplexPipe(
            new RequestLineRecordingReader(transport.Input, tracker),
            new RejectionAnsweringWriter(transport.Output, tracker, answerer, limits));
        try
        {
            await next(connection);
        }
        finally
        {
            tracker.Closed();
            connection.Transport = transport;
        }
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
