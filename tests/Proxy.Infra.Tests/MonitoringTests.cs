using System.Text.Json;
using Proxy.Infra.Tests.Infrastructure;

namespace Proxy.Infra.Tests;

/// <summary>Application Insights on a Log Analytics workspace, accepting Entra-authenticated telemetry only.</summary>
[Collection(CompiledTemplateCollectionDefinition.Name)]
public sealed class MonitoringTests(CompiledTemplateFixture template)
{
    [Fact]
    public void ApplicationInsights_LocalAuth_IsDisabled()
    {
        var component = template.SingleOfType("Microsoft.Insights/components");

        Assert.Equal(JsonValueKind.True, component.Get("properties", "DisableLocalAuth").ValueKind);
    }

    [Fact]
    public void ApplicationInsights_IsWorkspaceBasedOnTheTemplatesWorkspace()
    {
        var component = template.SingleOfType("Microsoft.Insights/components");
        template.SingleOfType("Microsoft.OperationalInsights/workspaces");

        Assert.Equal(
            "Microsoft.OperationalInsights/workspaces",
            ArmExpression.ResourceIdType(component.Get("properties", "WorkspaceResourceId").GetString() ?? ""));
    }
}
