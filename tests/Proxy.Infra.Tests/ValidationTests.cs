using System.Text.Json;
using Proxy.Infra.Tests.Infrastructure;

namespace Proxy.Infra.Tests;

/// <summary>scripts/validate-infra.sh, the offline gate: the template builds and lints with every rule at error and no warning.</summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class ValidationTests(CompiledTemplateFixture template)
{
    [Fact]
    public void ValidateInfra_MainBicep_BuildsAndLintsWithNoErrorOrWarning()
    {
        Assert.True(template.ExitCode == 0, $"scripts/validate-infra.sh exited {template.ExitCode}:{Environment.NewLine}{template.Output}");
        Assert.DoesNotContain("warning", template.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("ok     bicep build infra/main.bicep", template.Output, StringComparison.Ordinal);
        Assert.Contains("ok     bicep lint infra/main.bicep", template.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void BicepConfig_EnablesTheCoreLinterWithEveryRuleAtError()
    {
        using var config = JsonDocument.Parse(
            File.ReadAllText(RepositoryRoot.Combine("infra", "bicepconfig.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var core = config.RootElement.GetProperty("analyzers").GetProperty("core");
        Assert.True(core.GetProperty("enabled").GetBoolean());

        var rules = core.GetProperty("rules").EnumerateObject().ToDictionary(rule => rule.Name, rule => rule.Value.GetProperty("level").GetString());
        Assert.All(rules, rule => Assert.True(rule.Value == "error", $"{rule.Key} is at error, not {rule.Value}"));

        // The rules that guard this template's own promises must be among them.
        Assert.Superset(
            new HashSet<string>
            {
                "outputs-should-not-contain-secrets",
                "secure-secrets-in-params",
                "secure-parameter-default",
                "no-hardcoded-env-urls",
                "no-hardcoded-location",
                "use-recent-api-versions",
                "use-resource-symbol-reference",
                "what-if-short-circuiting",
                "no-unused-params",
                "no-unused-vars",
            },
            rules.Keys.ToHashSet());
    }

    [Fact]
    public void CompiledTemplate_DeploysToAResourceGroup()
    {
        Assert.Contains("/deploymentTemplate.json#", template.Main.Root.GetProperty("$schema").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(template.Main.Resources, resource => resource.Type == "Microsoft.Resources/resourceGroups");
    }
}
