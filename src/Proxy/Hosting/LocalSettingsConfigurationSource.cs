using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace Proxy.Hosting;

/// <summary>
/// Reads the <c>Values</c> of a Functions <c>local.settings.json</c>, so that the standalone host runs
/// from the same file as <c>func start</c>; <c>Proxy__Upstream__BaseUrl</c> becomes <c>Proxy:Upstream:BaseUrl</c>.
/// </summary>
public sealed class LocalSettingsConfigurationSource(string path) : IConfigurationSource
{
    /// <summary>
    /// Adds <c>local.settings.json</c> from the current directory below environment variables and the command line,
    /// as it sits under <c>func start</c>.
    /// </summary>
    public static void AddBelowEnvironment(IConfigurationBuilder configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var sources = configuration.Sources;
        var environmentIndex = sources.ToList().FindLastIndex(source => source is EnvironmentVariablesConfigurationSource { Prefix: null or "" });
        sources.Insert(environmentIndex < 0 ? sources.Count : environmentIndex,
            new LocalSettingsConfigurationSource(Path.Combine(Directory.GetCurrentDirectory(), "local.settings.json")));
    }

    /// <summary>
    /// The nearest <c>local.settings.json</c> in <paramref name="directory"/> or a folder above it, or null when there is none:
    /// the operator's CLI runs from any folder of the repository. The hosts read only the current directory's, as <c>func start</c> does.
    /// </summary>
    public static string? FindUpward(string directory)
    {
        for (var folder = new DirectoryInfo(directory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "local.settings.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(path);

    private sealed class Provider(string path) : ConfigurationProvider
    {
        public override void Load()
        {
            var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (File.Exists(path))
            {
                using var stream = File.OpenRead(path);
                using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                if (document.RootElement.TryGetProperty("Values", out var values) && values.ValueKind == JsonValueKind.Object)
                {
                    foreach (var setting in values.EnumerateObject())
                    {
                        data[setting.Name.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] =
                            setting.Value.ValueKind == JsonValueKind.String ? setting.Value.GetString() : setting.Value.GetRawText();
                    }
                }
            }

            Data = data;
        }
    }
}
