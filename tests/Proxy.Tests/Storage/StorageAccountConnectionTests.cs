using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Proxy.Storage;

namespace Proxy.Tests.Storage;

/// <summary>AzureWebJobsStorage binds in both forms the Functions host accepts: a connection string, or identity-based settings.</summary>
public sealed class StorageAccountConnectionTests
{
    private sealed class RecordingCredential(IConfiguration section) : TokenCredential
    {
        public IConfiguration Section { get; } = section;

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => default;

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => default;
    }

    private static (TableServiceClient Client, RecordingCredential? Credential) Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        RecordingCredential? credential = null;
        var client = StorageAccountConnection.CreateTableServiceClient(configuration, section => credential = new RecordingCredential(section), new TableClientOptions());
        return (client, credential);
    }

    [Fact]
    public void ConnectionString_IsUsedAsGivenWithNoCredential()
    {
        var (client, credential) = Bind(new() { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });

        Assert.Equal("devstoreaccount1", client.AccountName);
        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), client.Uri);
        Assert.Null(credential);
    }

    [Fact]
    public void AccountNameWithManagedIdentity_ReachesThePublicEndpointWithThatIdentity()
    {
        var (client, credential) = Bind(new()
        {
            ["AzureWebJobsStorage:accountName"] = "proxystore",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
            ["AzureWebJobsStorage:clientId"] = "11111111-2222-3333-4444-555555555555",
        });

        Assert.Equal(new Uri("https://proxystore.table.core.windows.net"), client.Uri);
        Assert.NotNull(credential);
        Assert.Equal("managedidentity", credential.Section["credential"]);
        Assert.Equal("11111111-2222-3333-4444-555555555555", credential.Section["clientId"]);
    }

    [Fact]
    public void TableServiceUri_WinsOverTheAccountName()
    {
        var (client, credential) = Bind(new()
        {
            ["AzureWebJobsStorage:accountName"] = "ignored",
            ["AzureWebJobsStorage:tableServiceUri"] = "https://custom.table.example.net",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
        });

        Assert.Equal(new Uri("https://custom.table.example.net"), client.Uri);
        Assert.NotNull(credential);
    }

    [Fact]
    public void QueueClient_BindsBothFormsToo()
    {
        var identity = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage:accountName"] = "proxystore",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
        }).Build();
        var connectionString = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        }).Build();

        var fromIdentity = StorageAccountConnection.CreateQueueServiceClient(identity, section => new RecordingCredential(section), new QueueClientOptions());
        var fromConnectionString = StorageAccountConnection.CreateQueueServiceClient(connectionString, _ => throw new InvalidOperationException("no credential"), new QueueClientOptions());

        Assert.Equal(new Uri("https://proxystore.queue.core.windows.net"), fromIdentity.Uri);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), fromConnectionString.Uri);
    }

    [Fact]
    public void NothingConfigured_SaysWhichSettingsToGive()
    {
        var error = Assert.Throws<Proxy.Hosting.InvalidSettingException>(() => Bind([]));

        Assert.Contains("AzureWebJobsStorage__accountName", error.Message, StringComparison.Ordinal);
    }
}
