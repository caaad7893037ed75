using Proxy;
using Proxy.Hosting;
using Proxy.Standalone;

var builder = WebApplication.CreateSlimBuilder(args);
LocalSettingsConfigurationSource.AddBelowEnvironment(builder.Configuration);
builder.Services.AddProxy(builder.Configuration);
builder.Services.AddEdgeConnectionHandling(builder.Configuration);
builder.Services.AddHostedService<QuotaRetentionService>();
builder.Services.AddHostedService<FailureArchiveService>();

var app = builder.Build();
app.Run(app.Services.GetRequiredService<ProxyRequestHandler>().HandleAsync);
app.Run();
