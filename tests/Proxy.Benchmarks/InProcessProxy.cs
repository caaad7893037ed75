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
using Microsoft.Extensions.Options;
using Proxy.Tests.Infrastructure;
using Proxy.Usage;

namespace Proxy.Benchmarks;

/// <summary>
/// The core on Kestrel inside the benchmark process, as the standalone host runs it, but with a storage client
/// that counts its transactions: the one figure a separate process cannot report.
/// </summary>
internal sealed class InProcessProxy : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessProxy(WebApplication app, TransactionCounter transactions, TransactionCounter ledgerTransactions, Uri baseAddress)
    {
        _app = app;
        Transactions = transactions;
        LedgerTransactions = ledgerTransactions;
        BaseAddress = baseAddress;
    }

    /// <summary>Every Table transaction, the usage ledger's included.</summary>
    public TransactionCounter Transactions { get; }

    /// <summary>The usage ledger's alone: its table has a client of its own, counted by both.</summary>
    public TransactionCounter LedgerTransactions { get; }

    public Uri BaseAddress { get; }

    public static async Task<InProcessProxy> StartAsync(string storage, Uri upstream, int requestsPerHour, params (string Name, string Value)[] settings)
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
        builder.Configuration.AddInMemoryCollection(settings.Select(setting => KeyValuePair.Create(setting.Name, (string?)setting.Value)));
        builder.Services.AddProxy(builder.Configuration);

        var transactions = new TransactionCounter();
        var options = new TableClientOptions();
        options.AddPolicy(transactions, HttpPipelinePosition.PerRetry);
        builder.Services.AddSingleton(new TableServiceClient(storage, options));
        var ledgerTransactions = new TransactionCounter();
        var ledgerOptions = new TableClientOptions();
        ledgerOptions.AddPolicy(transactions, HttpPipelinePosition.PerRetry);
        ledgerOptions.AddPolicy(ledgerTransactions, HttpPipelinePosition.PerRetry);
        builder.Services.AddSingleton(provider => new UsageTable(new TableServiceClient(storage, ledgerOptions), provider.GetRequiredService<IOptions<UsageOptions>>()));

        var app = builder.Build();
        app.Run(app.Services.GetRequiredService<ProxyRequestHandler>().HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new InProcessProxy(app, transactions, ledgerTransactions, new Uri(address));
    }

    /// <summary>Stops the host as a shutdown does: the hosted services' last work (the ledger's flush) runs.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
