using Azure.Core;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Proxy.Tests.Infrastructure;

namespace Proxy.Benchmarks;

/// <summary>
/// The core on Kestrel inside the benchmark process, as the standalone host runs it, but with a storage client
/// that counts its transactions: the one figure a separate process cannot report.
/// </summary>
internal sealed class InProcessProxy : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessProxy(WebApplication app, TransactionCounter transactions, Uri baseAddress)
    {
        _app = app;
        Transactions = transactions;
        BaseAddress = baseAddress;
    }

    public TransactionCounter Transactions { get; }

    public Uri BaseAddress { get; }

    public static async Task<InProcessProxy> StartAsync(string storage, Uri upstream, int requestsPerHour)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage,
            ["Proxy:Upstream:BaseUrl"] = upstream.ToString(),
            ["Proxy:Quota:FreeRequestsPerHour"] = requestsPerHour.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Proxy:Tiers:TableName"] = "tiers" + Guid.NewGuid().ToString("N"),
        });
        builder.Services.AddProxy(builder.Configuration);

        var transactions = new TransactionCounter();
        var options = new TableClientOptions();
        options.AddPolicy(transactions, HttpPipelinePosition.PerRetry);
        builder.Services.AddSingleton(new TableServiceClient(storage, options));

        var app = builder.Build();
        app.Run(app.Services.GetRequiredService<ProxyRequestHandler>().HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new InProcessProxy(app, transactions, new Uri(address));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
