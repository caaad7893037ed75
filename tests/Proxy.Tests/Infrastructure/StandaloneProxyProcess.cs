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

    /// <summary>Kills the process (SIGKILL): no shutdown, no drain, as a crash or an out-of-memory kill would.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (?<address>http://\S+)")]
    private static partial Regex ListeningLine();
}
