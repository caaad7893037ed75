using System.Text.RegularExpressions;

namespace Proxy.Infra.Tests.Infrastructure;

/// <summary>Reads the few ARM expression shapes the tests make promises about; anything else does not match.</summary>
public static partial class ArmExpression
{
    /// <summary>The symbolic name in <c>[reference('symbol').property]</c>, or null for any other expression.</summary>
    public static string? ReferencedSymbol(string expression, string property)
    {
        var match = Reference().Match(expression);
        return match.Success && match.Groups["property"].Value == property ? match.Groups["symbol"].Value : null;
    }

    /// <summary>The role definition id in <c>subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '&lt;id&gt;')</c>.</summary>
    public static string? RoleDefinitionId(string expression)
    {
        var match = RoleDefinition().Match(expression);
        return match.Success ? match.Groups["id"].Value : null;
    }

    /// <summary>The resource type of the first <c>resourceId('&lt;type&gt;', …)</c> in the expression.</summary>
    public static string? ResourceIdType(string expression)
    {
        var match = ResourceId().Match(expression);
        return match.Success ? match.Groups["type"].Value : null;
    }

    /// <summary>Whether the expression calls any list* function (listKeys, listAccountSas, listSecrets, …), which returns secrets.</summary>
    public static bool CallsListFunction(string text) => ListFunction().IsMatch(text);

    [GeneratedRegex(@"^\[reference\('(?<symbol>[^']+)'\)\.(?<property>\w+)\]$")]
    private static partial Regex Reference();

    [GeneratedRegex(@"subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions',\s*'(?<id>[0-9a-fA-F-]{36})'\)")]
    private static partial Regex RoleDefinition();

    [GeneratedRegex(@"\bresourceId\('(?<type>[^']+)'")]
    private static partial Regex ResourceId();

    [GeneratedRegex(@"\blist[A-Za-z]*\(")]
    private static partial Regex ListFunction();
}
