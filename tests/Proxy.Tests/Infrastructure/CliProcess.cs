using System.Diagnostics;

namespace Proxy.Tests.Infrastructure;

/// <summary>Runs the operator CLI as an operator would: its own process, storage from the environment or its settings.</summary>
internal static class CliProcess
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    public static Task<(int ExitCode, string Output)> RunAsync(string storage, params string[] arguments) => RunAsync(storage, arguments, []);

    public static Task<(int ExitCode, string Output)> RunAsync(string storage, string[] arguments, params (string Name, string Value)[] settings) =>
        RunInAsync(Path.GetTempPath(), storage, arguments, settings);

    /// <summary>
    /// Runs the CLI in <paramref name="workingDirectory"/>. With <paramref name="storage"/> null, no <c>AzureWebJobsStorage</c>
    /// reaches it from the environment (not even the developer's own), so that it must find its settings by itself.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunInAsync(
        string workingDirectory, string? storage, string[] arguments, params (string Name, string Value)[] settings)
    {
        var start = StartInfo(workingDirectory, storage, arguments, settings);
        var (exitCode, output, error) = await ChildProcess.RunAsync(start, s_timeout, "proxy-cli " + string.Join(' ', arguments));
        return (exitCode, output + error);
    }

    /// <summary>The CLI's process as <see cref="RunInAsync"/> starts it, both streams redirected.</summary>
    public static ProcessStartInfo StartInfo(string workingDirectory, string? storage, string[] arguments, params (string Name, string Value)[] settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RepositoryPaths.CliAssembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("AzureWebJobsStorage", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        if (storage is not null)
        {
            start.Environment["AzureWebJobsStorage"] = storage;
        }

        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        return start;
    }
}
