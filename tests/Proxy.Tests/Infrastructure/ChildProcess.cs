using System.Diagnostics;

namespace Proxy.Tests.Infrastructure;

/// <summary>A program the tests run to its end, as a user would from a shell: its exit code and what it printed.</summary>
internal static class ChildProcess
{
    /// <summary>
    /// Runs <paramref name="start"/> (both streams redirected) to its exit, reading them as it goes, since a full pipe
    /// would block it; past <paramref name="timeout"/> it is killed with its children and the run is a timeout.
    /// </summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(ProcessStartInfo start, TimeSpan timeout, string what)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{what} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{what} did not end within {timeout.TotalSeconds} s.");
        }

        return (process.ExitCode, await output, await error);
    }
}
