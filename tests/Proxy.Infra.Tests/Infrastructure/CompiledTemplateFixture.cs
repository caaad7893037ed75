using System.Diagnostics;
using System.Text.Json;

namespace Proxy.Infra.Tests.Infrastructure;

/// <summary>
/// Runs scripts/validate-infra.sh once for all the infra tests: it restores the pinned Bicep CLI, builds
/// infra/main.bicep to ARM JSON and lints it. The tests then read the compiled template, which is what
/// Azure Resource Manager would be sent.
/// </summary>
public sealed class CompiledTemplateFixture : IAsyncLifetime
{
    // The first run on a clean machine downloads the Bicep CLI package; later runs take seconds.
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(10);

    private readonly string _outputDirectory = Path.Combine(Path.GetTempPath(), "proxy-infra-tests-" + Guid.NewGuid().ToString("N"));
    private JsonDocument? _document;
    private ArmTemplate? _main;

    public int ExitCode { get; private set; } = -1;

    /// <summary>Everything the script printed, standard output and error together.</summary>
    public string Output { get; private set; } = "";

    /// <summary>The compiled template's text, for promises about what appears nowhere in it.</summary>
    public string Json { get; private set; } = "";

    public ArmTemplate Main => _main ?? throw new InvalidOperationException(
        $"scripts/validate-infra.sh produced no template (exit code {ExitCode}):{Environment.NewLine}{Output}");

    /// <summary>Every resource the deployment creates, in every module: no <c>existing</c> references, no module deployments.</summary>
    public IEnumerable<ArmResource> DeployedResources => Main.SelfAndDescendants()
        .SelectMany(template => template.Resources)
        .Where(resource => !resource.IsExisting && resource.Type != ArmTemplate.DeploymentType);

    public IEnumerable<ArmResource> OfType(string type) =>
        DeployedResources.Where(resource => string.Equals(resource.Type, type, StringComparison.OrdinalIgnoreCase));

    public ArmResource SingleOfType(string type)
    {
        var matches = OfType(type).ToList();
        Assert.True(matches.Count == 1, $"exactly one {type} is deployed, found {matches.Count}");
        return matches[0];
    }

    /// <summary>The one Function App.</summary>
    public ArmResource FunctionApp => SingleOfType("Microsoft.Web/sites");

    /// <summary>
    /// The Function App's app settings by name (Azure treats the names case-insensitively), unresolved: from
    /// <c>siteConfig.appSettings</c> and from any <c>sites/config</c> 'appsettings' resource, so a setting cannot hide in either.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement> AppSettings
    {
        get
        {
            var settings = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
            var listed = FunctionApp.Get("properties", "siteConfig", "appSettings");
            Assert.Equal(JsonValueKind.Array, listed.ValueKind);
            foreach (var setting in listed.EnumerateArray())
            {
                var name = setting.GetProperty("name").GetString() ?? "";
                Assert.True(settings.TryAdd(name, setting.GetProperty("value")), $"app setting {name} is set once");
            }

            foreach (var config in OfType("Microsoft.Web/sites/config").Where(config => config.Name.Contains("appsettings", StringComparison.OrdinalIgnoreCase)))
            {
                foreach (var setting in config.Properties.EnumerateObject())
                {
                    Assert.True(settings.TryAdd(setting.Name, setting.Value), $"app setting {setting.Name} is set once");
                }
            }

            return settings;
        }
    }

    /// <summary>An app setting's value with parameter and variable references followed (see <see cref="ArmTemplate.Resolve"/>).</summary>
    public string ResolvedAppSetting(string name)
    {
        Assert.True(AppSettings.TryGetValue(name, out var value), $"app setting {name} is set");
        return FunctionApp.Template.Resolve(value).ToString();
    }

    public async Task InitializeAsync()
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = RepositoryRoot.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RepositoryRoot.Combine("scripts", "validate-infra.sh"));
        start.ArgumentList.Add(_outputDirectory);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(s_timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"scripts/validate-infra.sh did not finish within {s_timeout}.");
        }

        ExitCode = process.ExitCode;
        Output = await output + await error;

        var compiled = Path.Combine(_outputDirectory, "main.json");
        if (File.Exists(compiled))
        {
            Json = await File.ReadAllTextAsync(compiled);
            _document = JsonDocument.Parse(Json);
            _main = ArmTemplate.FromCompiled(_document.RootElement);
        }
    }

    public Task DisposeAsync()
    {
        _document?.Dispose();
        if (Directory.Exists(_outputDirectory))
        {
            Directory.Delete(_outputDirectory, recursive: true);
        }

        return Task.CompletedTask;
    }
}
