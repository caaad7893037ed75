using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Proxy.Connections;

/// <summary>
/// Wires the connection bounds (<see cref="ConnectionOptions"/>) and the answers to the server's own refusals into a host
/// that runs Kestrel at the edge: Kestrel's limits, the connection middleware on every endpoint, and, first in the HTTP
/// pipeline, the mark that the proxy is answering a request. Kestrel keeps
/// only the last <see cref="KestrelServerOptions.ConfigureEndpointDefaults"/> delegate, so a host that sets its own
/// must call <see cref="EdgeConnectionMiddleware"/> there too; a request that arrives without it is logged once.
/// </summary>
internal sealed class EdgeConnectionSetup(
    ServerRejectionAnswerer answerer, IdleConnectionLimit idleLimit, IOptions<ConnectionOptions> connectionOptions, ILogger<EdgeConnectionSetup> logger)
    : IConfigureOptions<KestrelServerOptions>, IStartupFilter
{
    private int _missingLogged;

    public void Configure(KestrelServerOptions options)
    {
        options.Limits.MaxConcurrentConnections = connectionOptions.Value.MaxConnections;
        options.Limits.KeepAliveTimeout = connectionOptions.Value.KeepAliveTimeout;
        options.ConfigureEndpointDefaults(listen => listen.Use(next => new EdgeConnectionMiddleware(next, answerer, idleLimit, options.Limits).OnConnectionAsync));
    }

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (ConnectionRequestTracker.Get(context) is { } tracker)
            {
                tracker.RequestStarted(context);
            }
            else if (Interlocked.Exchange(ref _missingLogged, 1) == 0)
            {
                ProxyLog.ConnectionMiddlewareMissing(logger);
            }

            return nextMiddleware(context);
        });
        next(app);
    };
}
