using System.Text.Json;
using System.Text.RegularExpressions;

namespace Proxy.Infra.Tests.Infrastructure;

/// <summary>One resource declaration of a compiled template, with the template scope it is declared in.</summary>
public sealed partial class ArmResource(ArmTemplate template, string symbolicName, JsonElement element)
{
    public ArmTemplate Template { get; } = template;

    /// <summary>The Bicep symbolic name (languageVersion 2.0), or the position in the resources array.</summary>
    public string SymbolicName { get; } = symbolicName;

    public JsonElement Element { get; } = element;

    public string Type => Element.GetProperty("type").GetString() ?? "";

    /// <summary>The name as compiled: a literal, or an ARM expression such as <c>[format('{0}/{1}', …)]</c>.</summary>
    public string Name => Element.GetProperty("name").GetString() ?? "";

    /// <summary>The name with parameter and variable references followed, so that two scopes' names for one resource compare equal.</summary>
    public string ResolvedName => Template.Resolve(Element.GetProperty("name")).ToString();

    /// <summary>An <c>existing</c> reference, which deploys nothing.</summary>
    public bool IsExisting => Element.TryGetProperty("existing", out var existing) && existing.GetBoolean();

    /// <summary>The deployment condition (<c>if (…)</c> in Bicep), or null when the resource is always deployed.</summary>
    public string? Condition => Element.TryGetProperty("condition", out var condition) ? condition.ToString() : null;

    public JsonElement Properties => Element.GetProperty("properties");

    /// <summary>Follows a path of property names from the resource's root, failing with the path when one is missing.</summary>
    public JsonElement Get(params string[] path)
    {
        var current = Element;
        foreach (var name in path)
        {
            Assert.True(
                current.ValueKind == JsonValueKind.Object && current.TryGetProperty(name, out current),
                $"{Type} '{SymbolicName}' has {string.Join('.', path)}");
        }

        return current;
    }

    /// <summary>
    /// The last segment of a child resource's name (the table in <c>account/default/keys</c>): the last argument
    /// of the compiled <c>format(…)</c>, a literal or a parameter followed to its value.
    /// </summary>
    public string LastNameSegment()
    {
        if (!Name.StartsWith('['))
        {
            return Name.Split('/')[^1];
        }

        var last = LastFormatArgument().Match(Name);
        Assert.True(last.Success, $"{this} has a name of the form [format(..., <last segment>)]: {Name}");
        if (last.Groups["literal"].Success)
        {
            return last.Groups["literal"].Value;
        }

        var parameter = last.Groups["parameter"].Value;
        return Template.ResolveParameter(parameter)?.ToString() ?? $"[parameters('{parameter}')]";
    }

    public override string ToString() => $"{Type} '{SymbolicName}' in {Template.Name}";

    [GeneratedRegex(@",\s*(?:'(?<literal>[^']*)'|parameters\('(?<parameter>[^']+)'\))\)\]$")]
    private static partial Regex LastFormatArgument();
}
