using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Proxy.Auth;
using Proxy.Failures;
using Proxy.Hosting;
using Proxy.Quota;
using Proxy.Tiers;
using Proxy.Usage;

namespace Proxy.Cli;

/// <summary>
/// The core's services, registered as the hosts register them, for the commands. Built after the command line is parsed,
/// since its <c>--settings</c> decides the storage account, and only for a command that runs (help needs no storage).
/// </summary>
internal sealed class OperatorServices : IAsyncDisposable
{
    private ServiceProvider? _provider;

    /// <summary>The Table service the commands talk to, for messages about it; never carries a key.</summary>
    public Uri? StorageEndpoint { get; private set; }

    public T Get<T>()
        where T : notnull =>
        (_provider ?? throw new InvalidOperationException("The services are used before the settings were read.")).GetRequiredService<T>();

    /// <summary>
    /// Registers the core over <paramref name="settings"/> and checks, before any command runs, what the hosts check at
    /// start-up: the storage setting and the options the commands read. False after writing what is wrong to <paramref name="error"/>.
    /// </summary>
    public bool TryStart(IConfiguration settings, TextWriter error)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddProxy(settings);
        _provider = services.BuildServiceProvider();

        try
        {
            StorageEndpoint = Get<TableServiceClient>().Uri;
        }
        catch (InvalidSettingException e)
        {
            // The core's own message names the setting and what it must be, never its value.
            error.WriteLine(e.Message);
            return false;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or UriFormatException)
        {
            // The SDK's message quotes the connection string it could not read, key and all: it is not shown.
            error.WriteLine(
                "AzureWebJobsStorage is not a storage connection string (UseDevelopmentStorage=true for Azurite, or " +
                "DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…) nor an identity-based setting (AzureWebJobsStorage__accountName " +
                "or AzureWebJobsStorage__tableServiceUri, with __credential=managedidentity).");
            return false;
        }

        try
        {
            _ = Get<IOptions<AuthOptions>>().Value;
            _ = Get<IOptions<QuotaOptions>>().Value;
            _ = Get<IOptions<TierOptions>>().Value;
            _ = Get<IOptions<FailureOptions>>().Value;
            _ = Get<IOptions<UsageOptions>>().Value;
        }
        catch (OptionsValidationException e)
        {
            // The validators' messages name the setting and what it must be, never its value.
            error.WriteLine(string.Join(" ", e.Failures));
            return false;
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }
    }
}
