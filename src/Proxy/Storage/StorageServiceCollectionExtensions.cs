using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Proxy.Storage;

/// <summary>Registers the one <see cref="TableServiceClient"/> and <see cref="QueueServiceClient"/> per process, for every part of the proxy and the CLI.</summary>
public static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddProxyStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAzureClients(clients => clients.AddClient<TableServiceClient, TableClientOptions>((options, provider) =>
        {
            // The quota sits on every request's path: a store that does not answer must fail fast,
            // and the circuit, not a long retry loop, decides when to try again.
            options.Retry.MaxRetries = 1;
            options.Retry.Delay = TimeSpan.FromMilliseconds(50);
            options.Retry.MaxDelay = TimeSpan.FromMilliseconds(500);
            options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
            var components = provider.GetRequiredService<AzureComponentFactory>();
            return StorageAccountConnection.CreateTableServiceClient(configuration, components.CreateTokenCredential, options);
        }));
        services.AddAzureClients(clients => clients.AddClient<QueueServiceClient, QueueClientOptions>((options, provider) =>
        {
            // Base64, as the Functions queue trigger expects by default.
            options.MessageEncoding = QueueMessageEncoding.Base64;
            options.Retry.MaxRetries = 1;
            options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
            var components = provider.GetRequiredService<AzureComponentFactory>();
            return StorageAccountConnection.CreateQueueServiceClient(configuration, components.CreateTokenCredential, options);
        }));
        return services;
    }
}
