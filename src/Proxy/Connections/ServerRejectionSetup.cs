using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Proxy.Connections;

/// <summary>
/// Wires the answers to the server's own refusals into a host that runs Kestrel at the edge: the connection middleware
/// on every endpoint, and, first in the HTTP pipeline, the mark that the proxy is answering a request.
/// </summary>
internal sealed class ServerRejectionSetup(ServerRejectionAnswerer answerer) : IConfigureOptions<KestrelServerOptions>, IStartupFilter
{
    public void Configure(KestrelServerOptions options) =>
        options.ConfigureEndpointDefaults(listen => listen.Use(next => new ServerRejectionConnectionMiddleware(next, answerer, options.Limits).OnConnectionAsync));

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(static (context, nextMiddleware) =>
        {
            ConnectionRequestTracker.Get(context)?.RequestStarted(context);
            return nextMiddleware(context);
        });
        next(app);
    };
}
