using System.Diagnostics;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Cli;

/// <summary>The CLI packs as a `dotnet tool` and runs as the `proxy-cli` command, as the README installs it.</summary>
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class ToolPackageTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("cli-tool-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task PackedTool_InstallsAndRunsAsProxyCli()
    {
        var packages = Path.Combine(_folder.FullName, "packages");
        var tools = Path.Combine(_folder.FullName, "tools");
        var project = Path.Combine(RepositoryPaths.Root, "src", "Proxy.Cli");

        // The tests' own build is packed as it is; --source (not --add-source) keeps any public package of that name out.
        await RunAsync("dotnet", "pack", project, "-c", RepositoryPaths.Configuration, "--no-build", "--nologo", "-o", packages);
        await RunAsync("dotnet", "tool", "install", "proxy-cli", "--tool-path", tools, "--source", packages);
        var help = await RunAsync(Path.Combine(tools, "proxy-cli"), "--help");

        Assert.Contains("keys", help, StringComparison.Ordinal);
        Assert.Contains("failures", help, StringComparison.Ordinal);
        Assert.Contains("--settings", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PackedAgain_ToolUpdate_InstallsTheNewerPack()
    {
        var tools = Path.Combine(_folder.FullName, "tools");
        var project = Path.Combine(RepositoryPaths.Root, "src", "Proxy.Cli");
        var first = await PackAsync(project, "first");
        await RunAsync("dotnet", "tool", "install", "proxy-cli", "--tool-path", tools, "--source", Path.GetDirectoryName(first)!);
        var second = await PackAsync(project, "second");

        var update = await RunAsync("dotnet", "tool", "update", "proxy-cli", "--tool-path", tools, "--source", Path.GetDirectoryName(second)!);
        var listed = await RunAsync("dotnet", "tool", "list", "--tool-path", tools);

        // A version of its own at each pack: the second is newer, and the update installs it instead of answering "already installed".
        Assert.True(System.Version.Parse(Version(second)) > System.Version.Parse(Version(first)), $"{first} then {second}");
        Assert.DoesNotContain("already installed", update, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(Version(second), listed, StringComparison.Ordinal);

        static string Version(string package) => Path.GetFileNameWithoutExtension(package)["proxy-cli.".Length..];
    }

    /// <summary>Packs the tests' own build into a folder of its own; the path of the package.</summary>
    private async Task<string> PackAsync(string project, string folder)
    {
        var packages = Path.Combine(_folder.FullName, folder);
        await RunAsync("dotnet", "pack", project, "-c", RepositoryPaths.Configuration, "--no-build", "--nologo", "-o", packages);
        return Assert.Single(Directory.GetFiles(packages, "proxy-cli.*.nupkg"));
    }

    private async Task<string> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = _folder.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var text = await output + await error;
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{text}");
        return text;
    }
}
