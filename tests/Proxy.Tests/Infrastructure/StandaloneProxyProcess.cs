using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Proxy.Tests.Infrastructure;

/// <summary>The standalone host as a user runs it: <c>dotnet Proxy.Standalone.dll --urls …</c> on a free loopback port.</summary>
internal sealed partial class StandaloneProxyProcess : ProxyProcess
{
    private readonly Process _process;

    private StandaloneProxyProcess(Process process, ConcurrentQueue<string> output, Uri baseAddress)
        : base(output, baseAddress) => _process = process;

    public override ProxyHostKind Kind => ProxyHostKind.Standalone;

    /// <summary>The host's one process, for what is read from outside it (the benchmark's CPU time and allocation).</summary>
    public int ProcessId => _process.Id;

    public override long WorkingSet
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    public static async Task<StandaloneProxyProcess> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var start = StartInfo("dotnet", new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        }.Concat(settings).GroupBy(setting => setting.Key).ToDictionary(group => group.Key, group => group.Last().Value));
        start.ArgumentList.Add(RepositoryPaths.StandaloneAssembly);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        start.WorkingDirectory = Path.GetTempPath();

        var (process, output, listening) = await StartAndWaitAsync(start, ListeningLine(), "The standalone host");
        return new StandaloneProxyProcess(process, output, new Uri(listening.Groups["address"].Value));
    }

    /// <summary>Runs the host with <paramref name="arguments"/> until it exits by itself (a refused start, <c>--help</c>): its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IReadOnlyDictionary<string, string> settings, params string[] arguments)
    {
        var start = StartInfo("dotnet", new Dictionary<string, string>(settings) { ["DOTNET_ENVIRONMENT"] = "Production", ["ASPNETCORE_ENVIRONMENT"] = "Production" });
        start.ArgumentList.Add(RepositoryPaths.StandaloneAssembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"The standalone host did not exit within {StartTimeout}:\n" + await stdout + await stderr);
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Stops the host as a service manager does (SIGTERM to its process id), and waits for it to exit: its exit code.</summary>
    public async Task<int> StopGracefullyAsync(TimeSpan timeout)
    {
        using (var signal = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await signal.WaitForExitAsync();
            if (signal.ExitCode != 0)
            {
                throw new InvalidOperationException($"kill -TERM {_process.Id} exited {signal.ExitCode}.");
            }
        }

        using var waiting = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(waiting.Token);
        return _process.ExitCode;
    }

    /// <summary>Kills the process (SIGKILL): no shutdown, no drain, as a crash or an out-of-memory kill would.</summary>
    public override async ValueTask DisposeAsync() => await StopAsync(_process);

    [GeneratedRegex(@"Listening on (?<address>http://[^\s,""]+)")]
    private static partial Regex ListeningLine();
}
