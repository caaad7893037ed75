using Proxy.Infra.Tests.Infrastructure;

namespace Proxy.Infra.Tests;

/// <summary>The Function App's settings: identity-based connections only, nothing Flex rejects, and the contract's proxy settings.</summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class AppSettingsTests(CompiledTemplateFixture template)
{
    public static TheoryData<string> SettingsFlexRejectsOrIgnores =>
    [
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_EXTENSION_VERSION",
        "WEBSITE_RUN_FROM_PACKAGE",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "WEBSITE_CONTENTSHARE",
        // The plain form takes a connection string; only the identity-based AzureWebJobsStorage__* form is used.
        "AzureWebJobsStorage",
    ];

    [Theory]
    [MemberData(nameof(SettingsFlexRejectsOrIgnores))]
    public void AppSettings_SettingFlexRejectsOrIgnores_IsNotSet(string name)
    {
        Assert.DoesNotContain(name, template.AppSettings.Keys, StringComparer.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("AccountKey=")]
    [InlineData("DefaultEndpointsProtocol")]
    [InlineData("SharedAccessSignature")]
    [InlineData("listKeys")]
    [InlineData("listAccountSas")]
    public void AppSettings_NoValue_CarriesAKeyOrConnectionString(string marker)
    {
        foreach (var (name, value) in template.AppSettings)
        {
            Assert.DoesNotContain(marker, value.ToString(), StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(marker, template.ResolvedAppSetting(name), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void AppSettings_NoValue_CallsAListFunction()
    {
        Assert.All(template.AppSettings.Keys, name => Assert.False(
            ArmExpression.CallsListFunction(template.ResolvedAppSetting(name)), $"{name} calls no list* function"));
    }

    [Fact]
    public void AzureWebJobsStorage_ConnectsToTheTemplatesAccountAsTheIdentity()
    {
        var account = template.SingleOfType("Microsoft.Storage/storageAccounts");

        Assert.Equal(account.ResolvedName, template.ResolvedAppSetting("AzureWebJobsStorage__accountName"));
        Assert.Equal("managedidentity", template.ResolvedAppSetting("AzureWebJobsStorage__credential"));
        IdentityAssert.IsProperty(template, template.FunctionApp.Template.ResolveParameter("identityClientId"), "clientId");
        Assert.Equal("[parameters('identityClientId')]", template.AppSettings["AzureWebJobsStorage__clientId"].GetString());
    }

    [Theory]
    [InlineData("AzureWebJobsStorage__blobServiceUri", "blob")]
    [InlineData("AzureWebJobsStorage__queueServiceUri", "queue")]
    [InlineData("AzureWebJobsStorage__tableServiceUri", "table")]
    public void AzureWebJobsStorage_ServiceUri_IsTheAccountsOwnEndpoint(string name, string service)
    {
        // Read from the account rather than written out, so the endpoint is right in every Azure cloud.
        Assert.Equal($"[reference('storage').primaryEndpoints.{service}]", template.ResolvedAppSetting(name));
    }

    [Fact]
    public void ApplicationInsights_Settings_UseEntraAuthAsTheIdentity()
    {
        Assert.Equal("[reference('appInsights').ConnectionString]", template.ResolvedAppSetting("APPLICATIONINSIGHTS_CONNECTION_STRING"));
        Assert.Equal(
            "[format('ClientId={0};Authorization=AAD', parameters('identityClientId'))]",
            template.AppSettings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"].GetString());
        IdentityAssert.IsProperty(template, template.FunctionApp.Template.ResolveParameter("identityClientId"), "clientId");

        var component = Assert.Single(template.FunctionApp.Template.Resources, resource => resource.SymbolicName == "appInsights");
        Assert.Equal("Microsoft.Insights/components", component.Type);
        Assert.Equal(template.SingleOfType("Microsoft.Insights/components").ResolvedName, component.ResolvedName);
    }

    [Theory]
    [InlineData("Proxy__Upstream__BaseUrl", "https://api.aimlapi.com")]
    [InlineData("Proxy__Auth__Mode", "PassThrough")]
    [InlineData("Proxy__Quota__FailureMode", "Open")]
    [InlineData("Proxy__Failures__QueueName", "proxy-failures")]
    public void ProxySetting_ByDefault_HasTheContractsDefault(string name, string expected)
    {
        Assert.Equal(expected, template.ResolvedAppSetting(name));
    }

    [Fact]
    public void ProxyQuotaFreeRequestsPerHour_ByDefault_IsTen()
    {
        Assert.Equal("[string(parameters('freeRequestsPerHour'))]", template.AppSettings["Proxy__Quota__FreeRequestsPerHour"].GetString());
        Assert.Equal(10, template.FunctionApp.Template.ResolveParameter("freeRequestsPerHour")?.GetInt32());
    }

    [Theory]
    [InlineData("authMode", new[] { "PassThrough", "Managed" })]
    [InlineData("quotaFailureMode", new[] { "Open", "Closed" })]
    public void ModeParameter_AllowsOnlyTheContractsValues(string parameter, string[] allowed)
    {
        var values = template.Main.Parameters.GetProperty(parameter).GetProperty("allowedValues").EnumerateArray().Select(value => value.GetString());

        Assert.Equal(allowed, values);
    }

    [Fact]
    public void FailureQueueSetting_NamesAQueueTheTemplateCreates()
    {
        var queues = template.OfType("Microsoft.Storage/storageAccounts/queueServices/queues").Select(queue => queue.LastNameSegment());

        Assert.Contains(template.ResolvedAppSetting("Proxy__Failures__QueueName"), queues);
    }
}
