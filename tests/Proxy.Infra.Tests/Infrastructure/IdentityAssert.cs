using System.Text.Json;
using System.Text.RegularExpressions;

namespace Proxy.Infra.Tests.Infrastructure;

/// <summary>Asserts that a (resolved) value stands for the one user-assigned managed identity main.bicep creates.</summary>
public static partial class IdentityAssert
{
    public const string IdentityType = "Microsoft.ManagedIdentity/userAssignedIdentities";

    /// <summary>The value is <c>[resourceId('…/userAssignedIdentities', &lt;the identity's name&gt;)]</c>.</summary>
    public static void IsResourceId(CompiledTemplateFixture template, JsonElement? value)
    {
        var text = Text(value);
        var match = ResourceId().Match(text);
        Assert.True(match.Success, $"a resource id of a user-assigned identity: {text}");
        Assert.Equal(Identity(template).Name, $"[{match.Groups["name"].Value}]");
    }

    /// <summary>The value is <c>[reference('&lt;the identity&gt;').property]</c>: its clientId or principalId, known once it exists.</summary>
    public static void IsProperty(CompiledTemplateFixture template, JsonElement? value, string property)
    {
        var text = Text(value);
        var symbol = ArmExpression.ReferencedSymbol(text, property);
        Assert.True(symbol is not null, $"the {property} of a resource: {text}");
        Assert.Equal(Identity(template).SymbolicName, symbol);
    }

    private static ArmResource Identity(CompiledTemplateFixture template)
    {
        var identity = template.SingleOfType(IdentityType);
        Assert.Same(template.Main, identity.Template);
        return identity;
    }

    private static string Text(JsonElement? value)
    {
        Assert.True(value is { ValueKind: JsonValueKind.String }, $"a string value: {value}");
        return value.Value.GetString() ?? "";
    }

    [GeneratedRegex(@"^\[resourceId\('Microsoft\.ManagedIdentity/userAssignedIdentities', (?<name>.+)\)\]$")]
    private static partial Regex ResourceId();
}
