using System.Text.Json;
using System.Text.RegularExpressions;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Cli;

/// <summary>
/// The CLI works from any folder: settings from <c>--settings FILE</c>, then the environment, then the nearest
/// <c>local.settings.json</c> at or above the current directory; without any, a message and exit 1, not an abort.
/// </summary>
public sealed partial class OperatorSettingsTests(InProcessFixture fixture) : IDisposable, IClassFixture<InProcessFixture>
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("cli-settings-");
    private readonly string _keysTable = "keys" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task LocalSettingsAboveTheCurrentFolder_AreFound()
    {
        WriteSettings(Path.Combine(_folder.FullName, "local.settings.json"), fixture.Azurite.ConnectionString);
        var below = Directory.CreateDirectory(Path.Combine(_folder.FullName, "a", "b")).FullName;

        var created = await InProcessCli.RunInAsync(below, null, ["keys", "create", "--name", "found-upward"]);
        Assert.True(created.ExitCode == 0, created.Output);
        var list = await InProcessCli.RunInAsync(_folder.FullName, null, ["keys", "list"]);
        Assert.Contains(IdOf(created.Output), list.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SettingsOption_WinsOverTheEnvironment()
    {
        var file = Path.Combine(_folder.FullName, "elsewhere.json");
        WriteSettings(file, fixture.Azurite.ConnectionString);
        var unreachable = AzuriteProcess.ConnectionStringFor(LoopbackPort.Unused());

        var created = await InProcessCli.RunInAsync(Path.GetTempPath(), unreachable, ["keys", "create", "--settings", file]);
        Assert.True(created.ExitCode == 0, created.Output);
        var list = await InProcessCli.RunInAsync(Path.GetTempPath(), null, ["--settings", file, "keys", "list"]);
        Assert.Contains(IdOf(created.Output), list.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoSettingsAnywhere_SaysWhereItLooked()
    {
        var result = await InProcessCli.RunInAsync(_folder.FullName, null, ["keys", "list"]);

        CliAssert.Refused(result, 1, "AzureWebJobsStorage is not set", "--settings FILE", "local.settings.json");
        Assert.Single(result.Output.Trim().Split('\n'));
    }

    [Fact]
    public async Task MissingSettingsFile_SaysSo()
    {
        var missing = Path.Combine(_folder.FullName, "missing.json");

        CliAssert.Refused(await InProcessCli.RunInAsync(_folder.FullName, null, ["keys", "list", "--settings", missing]), 1, $"No settings file at {missing}");
    }

    [Fact]
    public async Task SettingsFileThatIsNotJson_SaysSo()
    {
        var file = Path.Combine(_folder.FullName, "broken.json");
        File.WriteAllText(file, "{ \"Values\": { \"AzureWebJobsStorage\": \"sk-secret-looking ");

        var result = await InProcessCli.RunInAsync(_folder.FullName, null, ["keys", "list", "--settings", file]);
        CliAssert.Refused(result, 1, $"{file} is not a local.settings.json");
        Assert.DoesNotContain("sk-secret-looking", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionStringThatIsNotOne_NamesTheSettingNotItsValue()
    {
        var result = await InProcessCli.RunInAsync(_folder.FullName, "garbage-value", ["keys", "list"]);

        CliAssert.Refused(result, 1, "AzureWebJobsStorage is not a storage connection string");
        Assert.DoesNotContain("garbage-value", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidProxySetting_IsTheValidatorsMessage() =>
        CliAssert.Refused(await InProcessCli.RunInAsync(_folder.FullName, fixture.Azurite.ConnectionString, ["keys", "list"], ("Proxy__Quota__RetentionDays", "0")), 1,
            "Proxy__Quota__RetentionDays must be at least 1.");

    [Fact]
    public async Task Help_NeedsNoSettings()
    {
        var result = await InProcessCli.RunInAsync(_folder.FullName, null, ["keys", "--help"]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("create", result.Output, StringComparison.Ordinal);
    }

    private void WriteSettings(string path, string storage) => File.WriteAllText(path, JsonSerializer.Serialize(new
    {
        IsEncrypted = false,
        Values = new Dictionary<string, string> { ["AzureWebJobsStorage"] = storage, ["Proxy__Auth__KeysTableName"] = _keysTable },
    }));

    private static string IdOf(string created)
    {
        var match = CreatedId().Match(created);
        Assert.True(match.Success, created);
        return match.Groups["id"].Value;
    }

    [GeneratedRegex(@"id:\s+(?<id>[0-9a-f]{12})")]
    private static partial Regex CreatedId();
}
