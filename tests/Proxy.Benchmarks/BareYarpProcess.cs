using System.Diagnostics;
using System.Text.RegularExpressions;
using Proxy.Tests.Infrastructure;

namespace Proxy.Benchmarks;

/// <summary>tests/Proxy.Benchmarks.BareYarp in Release on a free loopback port, as its own process like the proxy.</summary>
internal sealed partial class BareYarpProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;

    private BareYarpProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public static async Task<BareYarpProcess> StartAsync(Uri upstream)
    {
        var assembly = Path.Combine(RepositoryPaths.Root, "tests", "Proxy.Benchmarks.BareYarp", "bin", RepositoryPaths.Configuration, "net10.0", "Proxy.Benchmarks.BareYarp.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
            Environment =
            {
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Upstream__BaseUrl"] = upstream.ToString(),
                ["Logging__LogLevel__Default"] = "Warning",
                ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            },
        };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");

        var process = Process.Start(start) ?? throw new InvalidOperationException("The bare YARP forwarder did not start.");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new List<string>();
        void OnLine(object sender, DataReceivedEventArgs line)
        {
            if (line.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.Add(line.Data);
            }

            if (ListeningLine().Match(line.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups["address"].Value));
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var ready = await Task.WhenAny(listening.Task, Task.Delay(s_startTimeout), process.WaitForExitAsync());
        if (ready != listening.Task)
        {
            process.Kill(entireProcessTree: true);
            lock (output)
            {
                throw new InvalidOperationException($"The bare YARP forwarder ({assembly}) did not listen within {s_startTimeout}:\n" + string.Join('\n', output));
            }
        }

        return new BareYarpProcess(process, await listening.Task);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (?<address>http://[^\s""]+)")]
    private static partial Regex ListeningLine();
}
