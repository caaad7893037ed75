using Proxy;
using Proxy.Hosting;
using Proxy.Standalone;

if (args.Any(argument => argument is "--help" or "-h" or "-?"))
{
    Console.WriteLine("""
        Proxy.Standalone: the AI API error-reporting proxy on its own Kestrel host.

        Usage: dotnet Proxy.Standalone.dll [--urls http://127.0.0.1:7071]

        Settings come from environment variables (Proxy__Upstream__BaseUrl, AzureWebJobsStorage, ...) over the Values of
        local.settings.json in the working directory; the README's "Configuration" section lists them all. A bad setting
        stops the host with one line naming it, and exit code 1.
        """);
    return 0;
}

return HostStartup.Run(() =>
{
    var builder = WebApplication.CreateSlimBuilder(args);
    LocalSettingsConfigurationSource.AddBelowEnvironment(builder.Configuration);
    builder.Logging.AddProxyConsole(builder.Configuration);

    // The console lifetime's own lines ("Application started", "Application is shutting down...") are replaced by the
    // proxy's start and stop lines (events 1100, 1101): the lifetime writes its stopping line even when the host never
    // started, after the one line that says why.
    builder.Services.Configure<ConsoleLifetimeOptions>(options => options.SuppressStatusMessages = true);
    builder.Services.AddProxy(builder.Configuration);
    builder.Services.AddEdgeConnectionHandling(builder.Configuration);
    builder.Services.AddHostedService<QuotaRetentionService>();
    builder.Services.AddHostedService<FailureArchiveService>();
    PrometheusEndpoint.AddTo(builder.Services, builder.Configuration);

    var app = builder.Build();
    app.Run(app.Services.GetRequiredService<ProxyRequestHandler>().HandleAsync);
    return app;
}, Console.Error);
