using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// Stands in for Application Insights' ingestion endpoint on a free loopback port, so that nothing leaves the machine: it
/// keeps every posted body (gunzipped, as the exporters send them) and accepts every item, as the service answers.
/// </summary>
internal sealed class FakeIngestion : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeIngestion(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Each posted body, one JSON telemetry item per line.</summary>
    public ConcurrentQueue<string> Bodies { get; } = new();

    /// <summary>A connection string whose ingestion and live-metrics endpoints are this listener.</summary>
    public string ConnectionString =>
        $"InstrumentationKey={Guid.NewGuid()};IngestionEndpoint={BaseAddress};LiveEndpoint={BaseAddress}";

    public static async Task<FakeIngestion> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var ingestion = new FakeIngestion(app);
        app.Run(ingestion.AcceptAsync);
        await app.StartAsync();
        ingestion.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        return ingestion;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task AcceptAsync(HttpContext context)
    {
        var gzip = context.Request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);
        using var body = gzip ? new GZipStream(context.Request.Body, CompressionMode.Decompress) : context.Request.Body;
        using var reader = new StreamReader(body);
        var text = await reader.ReadToEndAsync();
        Bodies.Enqueue(text);
        var items = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""{"itemsReceived":{{items}},"itemsAccepted":{{items}},"errors":[]}""");
    }
}
