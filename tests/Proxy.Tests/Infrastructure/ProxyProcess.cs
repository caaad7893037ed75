using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// A proxy as a user runs it, on either host: its own processes, configured by environment variables, listening on a
/// free loopback port. Its output is kept so that tests can read what it logged.
/// </summary>
internal abstract class ProxyProcess : IAsyncDisposable
{
    /// <summary>How long a host process is given to start, on a loaded machine.</summary>
    protected static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(150);

    private readonly ConcurrentQueue<string> _output;

    protected ProxyProcess(ConcurrentQueue<string> output, Uri baseAddress)
    {
        _output = output;
        BaseAddress = baseAddress;
    }

    public abstract ProxyHostKind Kind { get; }

    public Uri BaseAddress { get; }

    public int Port => BaseAddress.Port;

    /// <summary>Every line the processes wrote to standard output and standard error so far.</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <summary>The resident memory of every process serving requests now, in bytes.</summary>
    public abstract long WorkingSet { get; }

    public abstract ValueTask DisposeAsync();

    /// <summary>
    /// The start info every host shares: output captured, and none of the <c>Proxy__</c> settings of the environment the
    /// tests run in, so that each proxy has exactly the settings it was given.
    /// </summary>
    internal static ProcessStartInfo StartInfo(string fileName, IReadOnlyDictionary<string, string> settings)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("Proxy__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>Starts <paramref name="start"/> and waits for the line that says it is ready; the process is killed if it never says so.</summary>
    internal static async Task<(Process Process, ConcurrentQueue<string> Output, Match Ready)> StartAndWaitAsync(ProcessStartInfo start, Regex ready, string what)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException(what + " did not start.");
        var output = new ConcurrentQueue<string>();
        var readyLine = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(object sender, DataReceivedEventArgs line)
        {
            if (line.Data is null)
            {
                return;
            }

            output.Enqueue(line.Data);
            var match = ready.Match(line.Data);
            if (match.Success)
            {
                readyLine.TrySetResult(match);
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var started = await Task.WhenAny(readyLine.Task, Task.Delay(StartTimeout), process.WaitForExitAsync());
        if (started != readyLine.Task)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            throw new InvalidOperationException($"{what} did not become ready within {StartTimeout}:\n" + string.Join('\n', output));
        }

        return (process, output, await readyLine.Task);
    }

    /// <summary>Kills <paramref name="process"/> and its children (SIGKILL) if it still runs, waits for it, and releases it.</summary>
    internal static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
