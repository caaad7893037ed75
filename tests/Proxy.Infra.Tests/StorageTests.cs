using System.Text.Json;
using System.Text.RegularExpressions;
using Proxy.Infra.Tests.Infrastructure;

namespace Proxy.Infra.Tests;

/// <summary>The one storage account: identity-only access, and the containers, tables and queues the app expects.</summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class StorageTests(CompiledTemplateFixture template)
{
    private const string StorageAccountType = "Microsoft.Storage/storageAccounts";

    private ArmResource StorageAccount => template.SingleOfType(StorageAccountType);

    [Fact]
    public void StorageAccount_SharedKeyAccess_IsDisabled()
    {
        Assert.Equal(JsonValueKind.False, StorageAccount.Get("properties", "allowSharedKeyAccess").ValueKind);
    }

    [Fact]
    public void StorageAccount_Transport_IsHttpsOnlyWithTls12()
    {
        Assert.Equal(JsonValueKind.True, StorageAccount.Get("properties", "supportsHttpsTrafficOnly").ValueKind);
        Assert.Equal("TLS1_2", StorageAccount.Get("properties", "minimumTlsVersion").GetString());
    }

    [Fact]
    public void StorageAccount_BlobPublicAccess_IsDisabled()
    {
        Assert.Equal(JsonValueKind.False, StorageAccount.Get("properties", "allowBlobPublicAccess").ValueKind);
    }

    [Fact]
    public void Tables_KeysAndFailures_AreCreated()
    {
        var tables = template.OfType("Microsoft.Storage/storageAccounts/tableServices/tables").Select(table => table.LastNameSegment()).ToList();

        Assert.Contains("keys", tables);
        Assert.Contains("failures", tables);
    }

    [Fact]
    public void Tables_DailyQuotaTables_AreLeftToTheApp()
    {
        // quota<yyyyMMdd> tables are created per UTC day by the app; a fixed one here would be a wrong guess.
        var tables = template.OfType("Microsoft.Storage/storageAccounts/tableServices/tables").Select(table => table.LastNameSegment());

        Assert.DoesNotContain(tables, table => table.StartsWith("quota", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Queues_FailureQueueAndItsPoisonQueue_AreCreated()
    {
        var queues = template.OfType("Microsoft.Storage/storageAccounts/queueServices/queues").Select(queue => queue.LastNameSegment()).ToList();

        Assert.Contains("proxy-failures", queues);
        Assert.Contains("proxy-failures-poison", queues);
    }

    [Fact]
    public void DeploymentContainer_IsPrivateAndIsTheOneTheFunctionAppDeploysFrom()
    {
        var container = template.SingleOfType("Microsoft.Storage/storageAccounts/blobServices/containers");
        Assert.Equal("None", container.Get("properties", "publicAccess").GetString());

        var app = template.FunctionApp;
        var deployment = app.Get("properties", "functionAppConfig", "deployment", "storage");
        Assert.Equal("blobContainer", deployment.GetProperty("type").GetString());
        var value = deployment.GetProperty("value").GetString() ?? "";
        var url = Regex.Match(value, @"^\[format\('\{0\}\{1\}', reference\('(?<account>[^']+)'\)\.primaryEndpoints\.blob, parameters\('(?<container>[^']+)'\)\)\]$");
        Assert.True(url.Success, $"the deployment storage is <the account's blob endpoint><the container>: {value}");
        Assert.Equal(container.LastNameSegment(), app.Template.ResolveParameter(url.Groups["container"].Value)?.ToString());

        // The blob endpoint is read from the very account the template creates.
        var account = Assert.Single(app.Template.Resources, resource => resource.SymbolicName == url.Groups["account"].Value);
        Assert.Equal(StorageAccountType, account.Type);
        Assert.Equal(StorageAccount.ResolvedName, account.ResolvedName);
    }
}
