using System.Text.Json;
using Proxy.Infra.Tests.Infrastructure;

namespace Proxy.Infra.Tests;

/// <summary>The Flex Consumption plan and the .NET 10 isolated Function App on it.</summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class FunctionAppTests(CompiledTemplateFixture template)
{
    [Fact]
    public void Plan_IsFlexConsumptionFc1OnLinux()
    {
        var plan = template.SingleOfType("Microsoft.Web/serverfarms");

        Assert.Equal("FC1", plan.Get("sku", "name").GetString());
        Assert.Equal("FlexConsumption", plan.Get("sku", "tier").GetString());
        Assert.Equal("functionapp", plan.Get("kind").GetString());
        Assert.Equal(JsonValueKind.True, plan.Get("properties", "reserved").ValueKind);
    }

    [Fact]
    public void FunctionApp_IsALinuxFunctionAppOnThePlan()
    {
        var app = template.FunctionApp;

        Assert.Equal("functionapp,linux", app.Get("kind").GetString());
        Assert.Equal("Microsoft.Web/serverfarms", ArmExpression.ResourceIdType(app.Get("properties", "serverFarmId").GetString() ?? ""));
    }

    [Fact]
    public void FunctionApp_Runtime_IsDotnetIsolated10()
    {
        var runtime = template.FunctionApp.Get("properties", "functionAppConfig", "runtime");

        Assert.Equal("dotnet-isolated", runtime.GetProperty("name").GetString());
        Assert.Equal("10.0", runtime.GetProperty("version").GetString());
    }

    [Fact]
    public void FunctionApp_DeploymentStorage_AuthenticatesAsTheUserAssignedIdentity()
    {
        var app = template.FunctionApp;
        var authentication = app.Get("properties", "functionAppConfig", "deployment", "storage", "authentication");

        Assert.Equal("UserAssignedIdentity", authentication.GetProperty("type").GetString());
        IdentityAssert.IsResourceId(template, app.Template.Resolve(authentication.GetProperty("userAssignedIdentityResourceId")));
    }

    [Fact]
    public void FunctionApp_Scale_ComesFromParametersWithFlexDefaults()
    {
        var scale = template.FunctionApp.Get("properties", "functionAppConfig", "scaleAndConcurrency");
        var app = template.FunctionApp.Template;

        Assert.Equal("[parameters('instanceMemoryMB')]", scale.GetProperty("instanceMemoryMB").GetString());
        Assert.Equal("[parameters('maximumInstanceCount')]", scale.GetProperty("maximumInstanceCount").GetString());
        Assert.Equal(2048, app.Resolve(scale.GetProperty("instanceMemoryMB")).GetInt32());
        Assert.Equal(100, app.Resolve(scale.GetProperty("maximumInstanceCount")).GetInt32());

        // The deployer can choose both: they are main.bicep parameters, not fixed in the module.
        Assert.Equal("[parameters('instanceMemoryMB')]", app.PassedParameter("instanceMemoryMB").GetString());
        Assert.Equal("[parameters('maximumInstanceCount')]", app.PassedParameter("maximumInstanceCount").GetString());
        Assert.Equal([512, 2048, 4096], template.Main.Parameters.GetProperty("instanceMemoryMB").GetProperty("allowedValues").EnumerateArray().Select(value => value.GetInt32()));
    }

    [Fact]
    public void FunctionApp_IsHttpsOnlyWithTls12AndNoFtp()
    {
        var app = template.FunctionApp;

        Assert.Equal(JsonValueKind.True, app.Get("properties", "httpsOnly").ValueKind);
        Assert.Equal("1.2", app.Get("properties", "siteConfig", "minTlsVersion").GetString());
        Assert.Equal("Disabled", app.Get("properties", "siteConfig", "ftpsState").GetString());
    }

    [Fact]
    public void FunctionApp_RunsAsTheUserAssignedIdentityOnly()
    {
        var identity = template.FunctionApp.Get("identity");

        Assert.Equal("UserAssigned", identity.GetProperty("type").GetString());
        var assigned = Assert.Single(identity.GetProperty("userAssignedIdentities").EnumerateObject());
        Assert.Equal("[format('{0}', parameters('identityId'))]", assigned.Name);
        IdentityAssert.IsResourceId(template, template.FunctionApp.Template.ResolveParameter("identityId"));
    }

    [Fact]
    public void FunctionApp_CarriesTheAzdServiceNameOfTheProxyService()
    {
        var tags = template.FunctionApp.Get("tags");

        if (tags.ValueKind == JsonValueKind.Object)
        {
            Assert.Equal("proxy", tags.GetProperty("azd-service-name").GetString());
        }
        else
        {
            Assert.Contains("createObject('azd-service-name', 'proxy')", tags.GetString(), StringComparison.Ordinal);
        }
    }
}
