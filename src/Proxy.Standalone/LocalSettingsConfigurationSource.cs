using System.Text.Json;

namespace Proxy.Standalone;

/// <summary>
/// Reads the <c>Values</c> of a Functions <c>local.settings.json</c>, so that the standalone host runs
/// from the same file as <c>func start</c>; <c>Proxy__Upstream__BaseUrl</c> becomes <c>Proxy:Upstream:BaseUrl</c>.
/// </summary>
internal sealed class LocalSettingsConfigurationSource(string path) : IConfigurationSource
{
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
