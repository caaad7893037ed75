using System.Text.Json;
using Proxy.Infra.Tests.Infrastructure;

namespace Proxy.Infra.Tests;

/// <summary>What a deployer touches: the outputs, infra/main.parameters.json and azure.yaml.</summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class DeploymentTests(CompiledTemplateFixture template)
{
    [Fact]
    public void Outputs_NameWhatTheDeployerNeedsNext()
    {
        var outputs = template.Main.Outputs;

        Assert.Equal("[format('https://{0}', reference('functionApp').outputs.defaultHostName.value)]", outputs.GetProperty("PROXY_BASE_URL").GetProperty("value").GetString());
        Assert.Equal("[resourceGroup().name]", outputs.GetProperty("AZURE_RESOURCE_GROUP").GetProperty("value").GetString());
        Assert.Equal("[parameters('upstreamApiKeySecretName')]", outputs.GetProperty("UPSTREAM_API_KEY_SECRET_NAME").GetProperty("value").GetString());
        Assert.Equal("[reference('functionApp').outputs.functionAppName.value]", outputs.GetProperty("AZURE_FUNCTION_APP_NAME").GetProperty("value").GetString());
        Assert.Equal("[reference('storage').outputs.storageAccountName.value]", outputs.GetProperty("AZURE_STORAGE_ACCOUNT_NAME").GetProperty("value").GetString());
        Assert.Equal("[reference('keyVault').outputs.keyVaultName.value]", outputs.GetProperty("AZURE_KEY_VAULT_NAME").GetProperty("value").GetString());
        IdentityAssert.IsProperty(template, outputs.GetProperty("AZURE_MANAGED_IDENTITY_CLIENT_ID").GetProperty("value"), "clientId");
    }

    [Fact]
    public void ModuleOutputs_AreTheResourcesOwnNameAndHost()
    {
        var app = template.Main.Module("functionApp");

        Assert.Equal("[reference('functionApp').defaultHostName]", app.Outputs.GetProperty("defaultHostName").GetProperty("value").GetString());
        Assert.Equal("[parameters('functionAppName')]", app.Outputs.GetProperty("functionAppName").GetProperty("value").GetString());
    }

    [Fact]
    public void ParametersFile_SetsOnlyTemplateParametersWithAllowedValues()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("infra", "main.parameters.json")));
        var declared = template.Main.Parameters;

        foreach (var parameter in file.RootElement.GetProperty("parameters").EnumerateObject())
        {
            Assert.True(declared.TryGetProperty(parameter.Name, out var declaration), $"main.bicep declares {parameter.Name}");
            var value = parameter.Value.GetProperty("value");
            if (declaration.TryGetProperty("allowedValues", out var allowed))
            {
                Assert.Contains(allowed.EnumerateArray(), candidate => candidate.GetRawText() == value.GetRawText());
            }

            // The same file serves `az deployment group create`, which does not expand azd's ${VAR} placeholders.
            Assert.DoesNotContain("${", value.GetRawText(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AzureYaml_DeploysTheProxyServiceAsAFunctionFromTheFunctionsProject()
    {
        var lines = File.ReadAllLines(RepositoryRoot.Combine("azure.yaml")).Select(line => line.TrimEnd()).ToList();

        Assert.Contains("services:", lines);
        var proxy = lines.IndexOf("  proxy:");
        Assert.True(proxy > lines.IndexOf("services:"), "services.proxy is declared");
        var service = lines.Skip(proxy + 1).TakeWhile(line => line.StartsWith("    ", StringComparison.Ordinal)).Select(line => line.Trim()).ToList();
        Assert.Contains("project: ./src/Proxy.Functions", service);
        Assert.Contains("language: dotnet", service);
        Assert.Contains("host: function", service);
        Assert.Contains("  path: infra", lines);
        Assert.True(File.Exists(RepositoryRoot.Combine("src", "Proxy.Functions", "Proxy.Functions.csproj")), "the service's project exists");
    }
}
