using System.Diagnostics;
using System.Text.RegularExpressions;
using Proxy.Tests.Infrastructure;

namespace Proxy.Benchmarks;

/// <summary>tests/Proxy.Benchmarks.BareYarp in Release on a free loopback port, as its own process like the proxy.</summary>
internal sealed partial class BareYarpProcess : IAsyncDisposable
{
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
        var start = ProxyProcess.StartInfo("dotnet", new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Upstream__BaseUrl"] = upstream.ToString(),
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        });
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "tests", "Proxy.Benchmarks.BareYarp", "bin", RepositoryPaths.Configuration, "net10.0", "Proxy.Benchmarks.BareYarp.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        start.WorkingDirectory = Path.GetTempPath();

        var (process, _, listening) = await ProxyProcess.StartAndWaitAsync(start, ListeningLine(), "The bare YARP forwarder");
        return new BareYarpProcess(process, new Uri(listening.Groups["address"].Value));
    }

    public async ValueTask DisposeAsync() => await ProxyProcess.StopAsync(_process);

    [GeneratedRegex(@"Now listening on: (?<address>http://[^\s""]+)")]
    private static partial Regex ListeningLine();
}
