using System.Diagnostics;

namespace Proxy.Tests.Infrastructure;

/// <summary>Runs the operator CLI as an operator would: its own process, storage from the environment.</summary>
internal static class CliProcess
{
    public static Task<(int ExitCode, string Output)> RunAsync(string storage, params string[] arguments) => RunAsync(storage, arguments, []);

    public static async Task<(int ExitCode, string Output)> RunAsync(string storage, string[] arguments, params (string Name, string Value)[] settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RepositoryPaths.CliAssembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AzureWebJobsStorage"] = storage;
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("The CLI did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
