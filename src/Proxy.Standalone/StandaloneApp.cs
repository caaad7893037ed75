using Proxy.Hosting;

namespace Proxy.Standalone;

/// <summary>
/// The standalone host's application: the core on Kestrel with the edge's connection handling, the background jobs the
/// Functions app runs as functions, and the Prometheus endpoint. <c>Program</c> runs it as a process; the tests build the
/// same application inside their own process, with their settings, log sink and clock.
/// </summary>
public static class StandaloneApp
{
    /// <summary>
    /// A builder with the host's settings in place: the command line, then the environment, then the working directory's
    /// <c>local.settings.json</c>. A caller may change the settings before <see cref="Build"/> reads them.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        LocalSettingsConfigurationSource.AddBelowEnvironment(builder.Configuration);
        return builder;
    }

    /// <summary>
    /// Registers the host's services over the builder's settings, lets <paramref name="replace"/> swap any of them, and
    /// builds the application with every request handed to <see cref="ProxyRequestHandler"/>.
    /// </summary>
    public static WebApplication Build(WebApplicationBuilder builder, Action<IServiceCollection>? replace = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ListenAddresses.Apply(builder);
        builder.Logging.AddProxyConsole(builder.Configuration);

        // Kestrel's "Now listening on:" line per address is replaced by the one line of ListenAddresses (event 1102).
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

        // The console lifetime's own lines ("Application started", "Application is shutting down...") are replaced by the
        // proxy's start and stop lines (events 1100, 1101): the lifetime writes its stopping line even when the host never
        // started, after the one line that says why.
        builder.Services.Configure<ConsoleLifetimeOptions>(options => options.SuppressStatusMessages = true);
        builder.Services.AddProxy(builder.Configuration);
        builder.Services.AddEdgeConnectionHandling(builder.Configuration);
        builder.Services.AddHostedService<QuotaRetentionService>();
        builder.Services.AddHostedService<FailureArchiveService>();
        PrometheusEndpoint.AddTo(builder.Services, builder.Configuration);
        replace?.Invoke(builder.Services);

        var app = builder.Build();
        ListenAddresses.LogWhenListening(app);
        app.Run(app.Services.GetRequiredService<ProxyRequestHandler>().HandleAsync);
        return app;
    }
}
