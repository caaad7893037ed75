using System.Text.Json;
using Proxy.Infra.Tests.Infrastructure;

namespace Proxy.Infra.Tests;

/// <summary>The upstream key lives in Key Vault only: never a parameter default, an output, or a value in the template.</summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class SecretsTests(CompiledTemplateFixture template)
{
    private const string UpstreamApiKey = "Proxy__Upstream__ApiKey";

    private static readonly string[] s_secretWords = ["apikey", "password", "secret", "connectionstring"];

    private static readonly string[] s_secretMarkers = ["ConnectionString", "InstrumentationKey", "@Microsoft.KeyVault", "secrets/", "AccountKey"];

    [Fact]
    public void KeyVault_AuthorizesByRbacOnly()
    {
        var vault = template.SingleOfType("Microsoft.KeyVault/vaults");

        Assert.Equal(JsonValueKind.True, vault.Get("properties", "enableRbacAuthorization").ValueKind);
        Assert.False(vault.Properties.TryGetProperty("accessPolicies", out var policies) && policies.GetArrayLength() > 0);
    }

    [Fact]
    public void UpstreamApiKey_InManagedMode_IsAKeyVaultReferenceToTheTemplatesVault()
    {
        var value = template.AppSettings[UpstreamApiKey].GetString() ?? "";

        Assert.Equal(
            "[if(equals(parameters('authMode'), 'Managed'), format('@Microsoft.KeyVault(SecretUri={0}secrets/{1}/)', "
            + "reference('keyVault').vaultUri, parameters('upstreamApiKeySecretName')), '')]",
            value);

        var vault = Assert.Single(template.FunctionApp.Template.Resources, resource => resource.SymbolicName == "keyVault");
        Assert.Equal("Microsoft.KeyVault/vaults", vault.Type);
        Assert.Equal(template.SingleOfType("Microsoft.KeyVault/vaults").ResolvedName, vault.ResolvedName);
        Assert.Equal("upstream-api-key", template.FunctionApp.Template.ResolveParameter("upstreamApiKeySecretName")?.GetString());
    }

    [Fact]
    public void UpstreamApiKey_InPassThroughMode_IsEmpty()
    {
        // In pass-through mode any value would replace every client's key upstream (and an unresolved reference
        // would be sent as the key itself), so the setting is empty unless authMode is Managed.
        var value = template.AppSettings[UpstreamApiKey].GetString() ?? "";

        Assert.StartsWith("[if(equals(parameters('authMode'), 'Managed'), ", value, StringComparison.Ordinal);
        Assert.EndsWith(", '')]", value, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyVaultReferences_AreResolvedAsTheUserAssignedIdentity()
    {
        var app = template.FunctionApp;

        IdentityAssert.IsResourceId(template, app.Template.Resolve(app.Get("properties", "keyVaultReferenceIdentity")));
    }

    [Fact]
    public void Template_CreatesNoSecret()
    {
        Assert.Empty(template.OfType("Microsoft.KeyVault/vaults/secrets"));
    }

    [Fact]
    public void Parameters_ThatMentionAKey_AreNamesOrSecureWithoutDefault()
    {
        foreach (var scope in template.Main.SelfAndDescendants())
        {
            foreach (var parameter in scope.Parameters.EnumerateObject())
            {
                var type = parameter.Value.TryGetProperty("type", out var declared) ? declared.GetString() : null;
                var secure = type is "securestring" or "secureObject";
                if (secure)
                {
                    Assert.False(parameter.Value.TryGetProperty("defaultValue", out _), $"secure parameter {scope.Name}.{parameter.Name} has no default");
                }

                var mentionsSecret = s_secretWords.Any(word => parameter.Name.Contains(word, StringComparison.OrdinalIgnoreCase));
                var isAName = parameter.Name.EndsWith("Name", StringComparison.Ordinal);
                Assert.True(!mentionsSecret || isAName || secure, $"{scope.Name}.{parameter.Name} names a secret, or is secure");
            }
        }
    }

    [Fact]
    public void Outputs_CarryNoSecret()
    {
        foreach (var scope in template.Main.SelfAndDescendants())
        {
            if (scope.Outputs.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var output in scope.Outputs.EnumerateObject())
            {
                var type = output.Value.GetProperty("type").GetString();
                Assert.False(type is "securestring" or "secureObject", $"output {scope.Name}.{output.Name} is not secure");

                var value = output.Value.GetProperty("value").ToString();
                Assert.False(ArmExpression.CallsListFunction(value), $"output {scope.Name}.{output.Name} calls no list* function: {value}");
                foreach (var marker in s_secretMarkers)
                {
                    Assert.DoesNotContain(marker, value, StringComparison.OrdinalIgnoreCase);
                }
            }
        }
    }

    [Fact]
    public void CompiledTemplate_NowhereReadsAnAccountKey()
    {
        Assert.False(ArmExpression.CallsListFunction(template.Json), "no list* function (listKeys, listAccountSas, …) anywhere");
        Assert.DoesNotContain("AccountKey=", template.Json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("DefaultEndpointsProtocol", template.Json, StringComparison.OrdinalIgnoreCase);
    }
}
