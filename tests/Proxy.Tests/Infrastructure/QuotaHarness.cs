using Azure.Core;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// The core's services as a host registers them, against a real Azurite, with a clock the test moves and a
/// storage client that counts its transactions.
/// </summary>
internal sealed class QuotaHarness : IDisposable
{
    private readonly ServiceProvider _services;

    public QuotaHarness(string connectionString, TimeProvider time, IDictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = connectionString })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var options = new TableClientOptions();
        options.AddPolicy(Transactions, HttpPipelinePosition.PerRetry);
        options.AddPolicy(LostAnswers, HttpPipelinePosition.PerRetry);

        var services = new ServiceCollection().AddLogging();
        services.AddProxy(configuration);
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(new TableServiceClient(connectionString, options));
        _services = services.BuildServiceProvider();
    }

    public TransactionCounter Transactions { get; } = new();

    /// <summary>Loses the answers of writes the store applied, when armed; the SDK then sends them again.</summary>
    public LostAnswerPolicy LostAnswers { get; } = new();

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public void Dispose() => _services.Dispose();

    /// <summary>A key nobody has used: each test counts from zero.</summary>
    public static string NewKeyId() => Proxy.Auth.ApiKeyHash.Of("sk-test-" + Guid.NewGuid().ToString("N"));
}
