using System.Text.RegularExpressions;
using Proxy.Infra.Tests.Infrastructure;

namespace Proxy.Infra.Tests;

/// <summary>The identity's roles: exactly the data-plane roles the app needs, each on the one resource it needs it on.</summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class RoleAssignmentTests(CompiledTemplateFixture template)
{
    private const string RoleAssignmentType = "Microsoft.Authorization/roleAssignments";

    private static readonly (string RoleId, string ScopeType, string Role)[] s_identityRoles =
    [
        ("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Microsoft.Storage/storageAccounts", "Storage Blob Data Owner"),
        ("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "Microsoft.Storage/storageAccounts", "Storage Table Data Contributor"),
        ("974c5e8b-45b9-4653-ba55-5f855dd0fb88", "Microsoft.Storage/storageAccounts", "Storage Queue Data Contributor"),
        ("4633458b-17de-408a-b874-0445c86b69e6", "Microsoft.KeyVault/vaults", "Key Vault Secrets User"),
        ("3913510d-42f4-4e42-8a64-420c390055eb", "Microsoft.Insights/components", "Monitoring Metrics Publisher"),
    ];

    /// <summary>The assignments whose principal is the app's identity (the optional deployer grant is not one).</summary>
    private List<ArmResource> IdentityAssignments => template.OfType(RoleAssignmentType)
        .Where(assignment => assignment.Template.Resolve(assignment.Get("properties", "principalId")).ToString().EndsWith(".principalId]", StringComparison.Ordinal))
        .ToList();

    [Fact]
    public void Identity_HasExactlyTheFiveRolesOnTheirResources()
    {
        var granted = IdentityAssignments
            .Select(assignment => (
                RoleId: ArmExpression.RoleDefinitionId(assignment.Get("properties", "roleDefinitionId").GetString() ?? ""),
                ScopeType: ArmExpression.ResourceIdType(assignment.Get("scope").GetString() ?? "")))
            .OrderBy(role => role.RoleId, StringComparer.Ordinal)
            .ToList();
        var expected = s_identityRoles.Select(role => ((string?)role.RoleId, (string?)role.ScopeType)).OrderBy(role => role.Item1, StringComparer.Ordinal).ToList();

        Assert.Equal(expected, granted);
    }

    [Fact]
    public void IdentityRoles_AreAlwaysDeployed()
    {
        Assert.All(IdentityAssignments, assignment => Assert.Null(assignment.Condition));
    }

    [Fact]
    public void IdentityRoles_AreGrantedToTheIdentityAsAServicePrincipal()
    {
        Assert.NotEmpty(IdentityAssignments);
        foreach (var assignment in IdentityAssignments)
        {
            IdentityAssert.IsProperty(template, assignment.Template.Resolve(assignment.Get("properties", "principalId")), "principalId");
            Assert.Equal("ServicePrincipal", assignment.Get("properties", "principalType").GetString());
        }
    }

    [Fact]
    public void RoleAssignments_AreNamedByGuidOfScopeIdentityAndRole()
    {
        foreach (var assignment in template.OfType(RoleAssignmentType))
        {
            var roleId = ArmExpression.RoleDefinitionId(assignment.Get("properties", "roleDefinitionId").GetString() ?? "");
            Assert.StartsWith("[guid(resourceId(", assignment.Name, StringComparison.Ordinal);
            Assert.Contains($"'{roleId}')]", assignment.Name, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void RoleAssignments_AreScopedToTheResourcesTheTemplateCreates()
    {
        foreach (var assignment in template.OfType(RoleAssignmentType))
        {
            var scope = assignment.Get("scope").GetString() ?? "";
            var target = Regex.Match(scope, @"^\[resourceId\('(?<type>[^']+)', parameters\('(?<name>[^']+)'\)\)\]$");
            Assert.True(target.Success, $"{assignment} is scoped to one resource by name: {scope}");

            Assert.Equal(
                template.SingleOfType(target.Groups["type"].Value).ResolvedName,
                assignment.Template.ResolveParameter(target.Groups["name"].Value)?.ToString());
        }
    }

    [Fact]
    public void OptionalSecretsOfficerGrant_IsDeployedOnlyWhenAPrincipalIsGiven()
    {
        var officer = Assert.Single(template.OfType(RoleAssignmentType), assignment =>
            ArmExpression.RoleDefinitionId(assignment.Get("properties", "roleDefinitionId").GetString() ?? "") == "b86a8fe4-44ce-4948-aee5-eccb2c155cd7");

        Assert.Equal("[not(empty(parameters('keyVaultOfficerPrincipalId')))]", officer.Condition);
        Assert.Equal("", officer.Template.ResolveParameter("keyVaultOfficerPrincipalId")?.GetString());
        Assert.Equal("Microsoft.KeyVault/vaults", ArmExpression.ResourceIdType(officer.Get("scope").GetString() ?? ""));
    }
}
