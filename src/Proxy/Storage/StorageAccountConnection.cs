using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Proxy.Hosting;

namespace Proxy.Storage;

/// <summary>
/// Reaches the storage account named by <c>AzureWebJobsStorage</c>, in either of the forms the Functions host
/// accepts: a connection string (Azurite: <c>UseDevelopmentStorage=true</c>), or the identity-based form
/// (<c>AzureWebJobsStorage__accountName</c> or <c>__tableServiceUri</c>, with <c>__credential</c> and <c>__clientId</c>).
/// </summary>
public static class StorageAccountConnection
{
    public const string SettingName = "AzureWebJobsStorage";

    /// <summary>The Table service endpoint and how to authenticate to it, as configured.</summary>
    public static TableServiceClient CreateTableServiceClient(
        IConfiguration configuration, Func<IConfiguration, TokenCredential> createCredential, TableClientOptions options) =>
        Create(configuration, "table", createCredential,
            connectionString => new TableServiceClient(connectionString, options),
            (uri, credential) => new TableServiceClient(uri, credential, options));

    /// <summary>The Queue service endpoint and how to authenticate to it, as configured.</summary>
    public static QueueServiceClient CreateQueueServiceClient(
        IConfiguration configuration, Func<IConfiguration, TokenCredential> createCredential, QueueClientOptions options) =>
        Create(configuration, "queue", createCredential,
            connectionString => new QueueServiceClient(connectionString, options),
            (uri, credential) => new QueueServiceClient(uri, credential, options));

    private static TClient Create<TClient>(
        IConfiguration configuration,
        string service,
        Func<IConfiguration, TokenCredential> createCredential,
        Func<string, TClient> fromConnectionString,
        Func<Uri, TokenCredential, TClient> fromIdentity)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(createCredential);

        var section = configuration.GetSection(SettingName);
        if (string.IsNullOrWhiteSpace(section.Value))
        {
            return fromIdentity(ServiceUri(section, service), createCredential(section));
        }

        try
        {
            return fromConnectionString(section.Value);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            // The SDK's message quotes the part it could not parse, which may be a key.
            throw new InvalidSettingException(SettingName,
                $"is not a storage connection string with a {service} endpoint: use UseDevelopmentStorage=true (Azurite) or " +
                "DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;EndpointSuffix=core.windows.net.");
        }
    }

    /// <summary><c>__tableServiceUri</c> (or <c>__queueServiceUri</c>) when given, else the public endpoint of <c>__accountName</c>.</summary>
    internal static Uri ServiceUri(IConfigurationSection section, string service)
    {
        if (section[service + "ServiceUri"] is { Length: > 0 } explicitUri)
        {
            return Uri.TryCreate(explicitUri, UriKind.Absolute, out var uri)
                ? uri
                : throw new InvalidSettingException($"{SettingName}__{service}ServiceUri", "is not an absolute URL.");
        }

        if (section["accountName"] is { Length: > 0 } accountName)
        {
            return new Uri($"https://{accountName}.{service}.core.windows.net");
        }

        throw new InvalidSettingException(SettingName,
            $"is not set: give a connection string, or {SettingName}__accountName (or __{service}ServiceUri) " +
            $"with {SettingName}__credential=managedidentity and {SettingName}__clientId.");
    }
}
