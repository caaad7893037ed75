using System.Text.Json;
using System.Text.RegularExpressions;

namespace Proxy.Infra.Tests.Infrastructure;

/// <summary>
/// One template scope of the compiled deployment: main.bicep's, or a module's nested template. Bicep emits the
/// resources as an array, or (languageVersion 2.0) as an object keyed by symbolic name; both are read.
/// </summary>
public sealed partial class ArmTemplate
{
    public const string DeploymentType = "Microsoft.Resources/deployments";

    private readonly JsonElement? _passedParameters;

    private ArmTemplate(JsonElement root, string name, ArmTemplate? parent, JsonElement? passedParameters)
    {
        Root = root;
        Name = name;
        Parent = parent;
        _passedParameters = passedParameters;
        Resources = ReadResources();
        Modules = Resources
            .Where(resource => resource.Type == DeploymentType && resource.Element.TryGetProperty("properties", out var properties)
                && properties.TryGetProperty("template", out _))
            .Select(module => new ArmTemplate(
                module.Get("properties", "template"), module.SymbolicName, this,
                module.Properties.TryGetProperty("parameters", out var parameters) ? parameters : null))
            .ToList();
    }

    public JsonElement Root { get; }

    /// <summary>"main", or the symbolic name of the module in its parent.</summary>
    public string Name { get; }

    public ArmTemplate? Parent { get; }

    /// <summary>This scope's own resource declarations, <c>existing</c> references and module deployments included.</summary>
    public IReadOnlyList<ArmResource> Resources { get; }

    public IReadOnlyList<ArmTemplate> Modules { get; }

    public static ArmTemplate FromCompiled(JsonElement root) => new(root, "main", parent: null, passedParameters: null);

    public IEnumerable<ArmTemplate> SelfAndDescendants() => Modules.SelectMany(module => module.SelfAndDescendants()).Prepend(this);

    public JsonElement Parameters => Root.TryGetProperty("parameters", out var parameters) ? parameters : default;

    public JsonElement Outputs => Root.TryGetProperty("outputs", out var outputs) ? outputs : default;

    public ArmTemplate Module(string name) => Assert.Single(Modules, module => module.Name == name);

    /// <summary>The value the parent passes to one of this module's parameters, unresolved.</summary>
    public JsonElement PassedParameter(string name)
    {
        Assert.True(
            _passedParameters is { } passed && passed.TryGetProperty(name, out var parameter) && parameter.TryGetProperty("value", out _),
            $"{Name} is passed a value for {name}");
        return _passedParameters.Value.GetProperty(name).GetProperty("value");
    }

    /// <summary>
    /// Follows <c>[parameters('x')]</c> and <c>[variables('x')]</c> (or <c>[variables('x').y]</c>) to the value they
    /// stand for: through a module boundary to what the parent passes, or else to the parameter's default. Anything
    /// else (a literal, or an expression only Azure can evaluate) comes back as it is.
    /// </summary>
    public JsonElement Resolve(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return value;
        }

        var text = value.GetString() ?? "";
        if (ParameterReference().Match(text) is { Success: true } parameter)
        {
            return ResolveParameter(parameter.Groups[1].Value) ?? value;
        }

        if (VariableReference().Match(text) is { Success: true } variable)
        {
            var resolved = Root.GetProperty("variables").GetProperty(variable.Groups[1].Value);
            if (variable.Groups[2].Success)
            {
                resolved = Resolve(resolved).GetProperty(variable.Groups[2].Value);
            }

            return Resolve(resolved);
        }

        return value;
    }

    /// <summary>What a parameter stands for: what the parent passes, followed further, or else its default; null when only Azure knows.</summary>
    public JsonElement? ResolveParameter(string name)
    {
        if (Parent is not null && _passedParameters is { } passed && passed.TryGetProperty(name, out var passedValue)
            && passedValue.TryGetProperty("value", out var passedLiteral))
        {
            return Parent.Resolve(passedLiteral);
        }

        return Parameters.GetProperty(name).TryGetProperty("defaultValue", out var defaultValue) ? Resolve(defaultValue) : null;
    }

    private List<ArmResource> ReadResources()
    {
        if (!Root.TryGetProperty("resources", out var resources))
        {
            return [];
        }

        return resources.ValueKind == JsonValueKind.Object
            ? resources.EnumerateObject().Select(resource => new ArmResource(this, resource.Name, resource.Value)).ToList()
            : resources.EnumerateArray().Select((resource, index) => new ArmResource(this, $"#{index}", resource)).ToList();
    }

    [GeneratedRegex(@"^\[parameters\('([^']+)'\)\]$")]
    private static partial Regex ParameterReference();

    [GeneratedRegex(@"^\[variables\('([^']+)'\)(?:\.(\w+))?\]$")]
    private static partial Regex VariableReference();
}
