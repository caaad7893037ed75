using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Proxy;
using Proxy.Standalone;

var builder = WebApplication.CreateSlimBuilder(args);

// local.settings.json sits below environment variables and the command line, as it does under `func start`.
var sources = builder.Configuration.Sources;
var environmentIndex = sources.ToList().FindLastIndex(source => source is EnvironmentVariablesConfigurationSource { Prefix: null or "" });
sources.Insert(environmentIndex < 0 ? sources.Count : environmentIndex,
    new LocalSettingsConfigurationSource(Path.Combine(Directory.GetCurrentDirectory(), "local.settings.json")));

builder.Services.AddProxy(builder.Configuration);

var app = builder.Build();
app.Run(app.Services.GetRequiredService<ProxyRequestHandler>().HandleAsync);
app.Run();
