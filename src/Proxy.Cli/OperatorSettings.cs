using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Proxy.Hosting;
using Proxy.Storage;

namespace Proxy.Cli;

/// <summary>
/// The CLI's settings, so that it works from any folder: <c>--settings FILE</c> over the environment over the nearest
/// <c>local.settings.json</c> at or above the current directory (the repository's, from anywhere inside it).
/// </summary>
internal static class OperatorSettings
{
    /// <summary>
    /// The settings, or null after writing to <paramref name="error"/> what is wrong and how to fix it. The process's
    /// environment variables are read unless <paramref name="environment"/> stands for them.
    /// </summary>
    public static IConfiguration? Load(FileInfo? settingsFile, string currentDirectory, IReadOnlyDictionary<string, string>? environment, TextWriter error)
    {
        if (settingsFile is { Exists: false })
        {
            error.WriteLine($"No settings file at {settingsFile.FullName}: give --settings the path of a local.settings.json-shaped file (see local.settings.sample.json).");
            return null;
        }

        var found = LocalSettingsConfigurationSource.FindUpward(currentDirectory);
        var below = found is null ? null : Read(found, error);
        var above = settingsFile is null ? null : Read(settingsFile.FullName, error);
        if ((found is not null && below is null) || (settingsFile is not null && above is null))
        {
            return null;
        }

        var builder = new ConfigurationBuilder();
        if (below is not null)
        {
            builder.AddConfiguration(below);
        }

        if (environment is null)
        {
            builder.AddEnvironmentVariables();
        }
        else
        {
            // As the environment-variable provider reads them: a double underscore separates a section's parts.
            builder.AddInMemoryCollection(environment.Select(variable =>
                KeyValuePair.Create(variable.Key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), (string?)variable.Value)));
        }
        if (above is not null)
        {
            builder.AddConfiguration(above);
        }

        var settings = builder.Build();
        var storage = settings.GetSection(StorageAccountConnection.SettingName);
        if (string.IsNullOrWhiteSpace(storage.Value) && !storage.GetChildren().Any())
        {
            var elsewhere = found is null ? $"and there is no local.settings.json in {currentDirectory} or above it" : $"nor does {found}";
            error.WriteLine(
                $"{StorageAccountConnection.SettingName} is not set: no --settings FILE gives it, the environment does not, {elsewhere}. " +
                "Run from inside the repository, pass --settings FILE, or set AzureWebJobsStorage (UseDevelopmentStorage=true for Azurite).");
            return null;
        }

        return settings;
    }

    /// <summary>One file's Values, or null with a message; a JSON error's own text is not shown, since it quotes the file.</summary>
    private static IConfigurationRoot? Read(string path, TextWriter error)
    {
        try
        {
            return new ConfigurationBuilder().Add(new LocalSettingsConfigurationSource(path)).Build();
        }
        catch (JsonException e)
        {
            error.WriteLine($"{path} is not a local.settings.json: not valid JSON near line {(e.LineNumber ?? 0) + 1}.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{path} cannot be read: check that it is a file this user may read.");
        }

        return null;
    }
}
