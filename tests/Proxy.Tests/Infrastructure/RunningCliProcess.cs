using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// The CLI running in the background, for a command that runs until stopped (<c>failures tail</c>): what it has printed
/// so far, a signal as a shell sends one, and its exit. Disposing kills it, by its process id, if it is still running.
/// </summary>
internal sealed class RunningCliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private RunningCliProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, line) => Append(_output, line.Data);
        _process.ErrorDataReceived += (_, line) => Append(_error, line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output => Read(_output);

    public string Error => Read(_error);

    /// <summary>
    /// Starts <c>dotnet proxy-cli.dll</c> with <paramref name="arguments"/>, its storage and <paramref name="settings"/> in its
    /// environment and no <c>AzureWebJobsStorage</c> of the test process's own.
    /// </summary>
    public static RunningCliProcess Start(string storage, string[] arguments, params (string Name, string Value)[] settings)
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

        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("AzureWebJobsStorage", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["AzureWebJobsStorage"] = storage;
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        return new(Process.Start(start) ?? throw new InvalidOperationException("proxy-cli did not start."));
    }

    /// <summary>Waits until standard error has a line containing <paramref name="text"/>.</summary>
    public async Task WaitForErrorAsync(string text, TimeSpan timeout)
    {
        await Eventually.TrueAsync(() => Task.FromResult(Error.Contains(text, StringComparison.Ordinal) || _process.HasExited), timeout,
            $"proxy-cli printed '{text}' on standard error");
        Assert.True(Error.Contains(text, StringComparison.Ordinal), $"proxy-cli ended before printing '{text}': {Output}{Error}");
    }

    /// <summary>Sends SIGTERM, as <c>kill</c> does by default (a service manager's stop), or SIGINT (Ctrl+C) with <c>-INT</c>.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { signal, _process.Id.ToString(CultureInfo.InvariantCulture) } })
            ?? throw new InvalidOperationException("kill did not start.");
        await kill.WaitForExitAsync();
    }

    /// <summary>The exit code; fails the test if it has not ended within <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"proxy-cli did not end within {timeout}: {Output}{Error}");
        }

        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.Append(line).Append('\n');
        }
    }

    private static string Read(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
