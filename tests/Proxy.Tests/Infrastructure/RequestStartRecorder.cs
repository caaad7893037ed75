using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// Notes the path of every request as the application begins to handle it, ahead of the proxy's own pipeline, so that a
/// test can wait until a request it sent is being handled (its client may then leave) instead of guessing how long that takes.
/// </summary>
internal sealed class RequestStartRecorder : IStartupFilter
{
    public ConcurrentQueue<string> Paths { get; } = new();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, handler) =>
        {
            Paths.Enqueue(context.Request.Path.Value ?? string.Empty);
            return handler(context);
        });
        next(app);
    };
}
