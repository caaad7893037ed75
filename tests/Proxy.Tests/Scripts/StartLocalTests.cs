using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Proxy.Tests.Cli;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Scripts;

/// <summary>
/// The local loop as the README runs it: <c>scripts/start-local.sh</c>, a key made with the CLI, the key working against
/// the running proxy (managed mode, so that only a registered key works), and still working after the script is stopped
/// with Ctrl+C and started again. The script runs the standalone host: <c>func</c> is taken off its PATH, so the test does
/// not also build and start the Functions host. Azurite runs on free ports (<c>AZURITE_*_PORT</c>), never the standard
/// ones another Azurite on the machine may hold, with its data in a temporary folder (<c>AZURITE_LOCATION</c>), never the
/// developer's <c>.azurite/</c>.
/// </summary>
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed partial class StartLocalTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(30);

    // Blob, queue, table.
    private readonly int[] _azuritePorts = [LoopbackPort.Unused(), LoopbackPort.Unused(), LoopbackPort.Unused()];

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("start-local-azurite-");
    private readonly List<int> _azuritePids = [];
    private FakeUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await FakeUpstream.StartAsync();

    public async Task DisposeAsync()
    {
        // Whatever a failed run left: each Azurite the script reported, by its pid, so the standard ports are free again.
        foreach (var pid in _azuritePids)
        {
            try
            {
                using var azurite = Process.GetProcessById(pid);
                azurite.Kill(entireProcessTree: true);
                await azurite.WaitForExitAsync(new CancellationTokenSource(s_stopTimeout).Token);
            }
            catch (ArgumentException)
            {
                // Already gone, as it should be.
            }
        }

        await _upstream.DisposeAsync();
        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task KeyCreatedWithTheCli_WorksAgainstTheProxy_AndAfterARestart()
    {
        var port = LoopbackPort.Unused();
        var storage = AzuriteProcess.ConnectionStringFor(_azuritePorts[2], _azuritePorts[1], _azuritePorts[0]);

        string key;
        await using (var first = await StartScriptAsync(port))
        {
            Assert.Contains($"blob {_azuritePorts[0]}, queue {_azuritePorts[1]}, table {_azuritePorts[2]} on 127.0.0.1", first.Output, StringComparison.Ordinal);
            Assert.Contains(_data.FullName, first.Output, StringComparison.Ordinal);

            var created = await InProcessCli.RunInAsync(RepositoryPaths.Root, storage, ["keys", "create", "--name", "start-local-test"]);
            Assert.True(created.ExitCode == 0, created.Output);
            key = CreatedKey().Match(created.Output).Groups["key"].Value;
            await AdmittedEventuallyAsync(port, key);
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(port, "sk-never-registered"));

            Assert.Equal(0, await first.InterruptAsync());
        }

        Assert.All(_azuritePorts, azuritePort => Assert.False(IsListening(azuritePort), $"Azurite still listens on {azuritePort} after Ctrl+C"));

        await using (var second = await StartScriptAsync(port))
        {
            await AdmittedEventuallyAsync(port, key);
            Assert.Equal(0, await second.InterruptAsync());
        }

        Assert.All(_azuritePorts, azuritePort => Assert.False(IsListening(azuritePort), $"Azurite still listens on {azuritePort} after Ctrl+C"));
    }

    [Fact]
    public async Task AzuriteExitingWhileTheProxyRuns_StopsTheProxy_WithOneLineNamingAzurite_AndExitCode1()
    {
        var port = LoopbackPort.Unused();
        await using var run = await StartScriptAsync(port);
        var azuritePid = _azuritePids[^1];
        var proxyPid = int.Parse((await run.WaitForAsync(ProxyPid(), s_startTimeout)).Groups["pid"].Value, System.Globalization.CultureInfo.InvariantCulture);

        using (var azurite = Process.GetProcessById(azuritePid))
        {
            azurite.Kill();
        }

        var exitCode = await run.WaitForExitAsync();

        Assert.True(exitCode == 1, run.Output);
        Assert.Contains(
            $"Azurite (pid {azuritePid}) exited (code 137) while the proxy was running: stopping the proxy (pid {proxyPid}), which without storage would admit requests uncounted. Start scripts/start-local.sh again; Azurite's data in {_data.FullName} is kept.",
            run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Killed", run.Output, StringComparison.Ordinal);
        Assert.False(IsRunning(proxyPid), $"the proxy (pid {proxyPid}) still runs after Azurite exited");
        Assert.False(IsListening(port), $"the proxy still listens on {port} after Azurite exited");
    }

    [Fact]
    public async Task SigtermToTheScript_StopsTheProxyAndAzurite_AndExitCode0()
    {
        var port = LoopbackPort.Unused();
        await using var run = await StartScriptAsync(port);
        var proxyPid = int.Parse((await run.WaitForAsync(ProxyPid(), s_startTimeout)).Groups["pid"].Value, System.Globalization.CultureInfo.InvariantCulture);

        // To the script alone, as a service manager or `kill <pid>` sends it: not to the proxy, nor to its process group.
        Assert.Equal(0, await run.TerminateAsync());

        Assert.False(IsRunning(proxyPid), $"the proxy (pid {proxyPid}) still runs after SIGTERM to the script");
        Assert.False(IsListening(port), $"the proxy still listens on {port} after SIGTERM to the script");
        Assert.All(_azuritePorts, azuritePort => Assert.False(IsListening(azuritePort), $"Azurite still listens on {azuritePort} after SIGTERM"));
    }

    [Fact]
    public async Task PortTakenByAnotherAzurite_FailsNamingThePort()
    {
        await using var other = await AzuriteProcess.StartTableServiceAsync(_azuritePorts[2]);

        await using var run = new ScriptRun(Process.Start(ScriptStart(LoopbackPort.Unused()))!, output);
        var exitCode = await run.WaitForExitAsync();

        CliAssert.Refused((exitCode, run.Output), 1,
            $"Port {_azuritePorts[2]} (Azurite's table port) on 127.0.0.1 is taken by an Azurite already running", "AzureWebJobsStorage=<its connection string>");
        Assert.DoesNotContain("Azurite (pid", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("99999")]
    [InlineData("0")]
    [InlineData("7071 ")]
    public async Task APortThatIsNotAPortNumber_StopsTheScriptWithOneLineNamingIt_AndExitCode1(string port)
    {
        var start = ScriptStart(LoopbackPort.Unused());
        start.Environment["PORT"] = port;

        await using var run = new ScriptRun(Process.Start(start)!, output);
        var exitCode = await run.WaitForExitAsync();

        Assert.True(exitCode == 1, run.Output);
        Assert.Equal("PORT must be a port number from 1 to 65535.", run.Output.Trim());
    }

    private async Task<ScriptRun> StartScriptAsync(int port)
    {
        var run = new ScriptRun(Process.Start(ScriptStart(port))!, output);
        try
        {
            var azurite = await run.WaitForAsync(AzuritePid(), s_startTimeout);
            _azuritePids.Add(int.Parse(azurite.Groups["pid"].Value, System.Globalization.CultureInfo.InvariantCulture));
            await run.WaitUntilAsync(() => IsListening(port), s_startTimeout, $"the proxy listening on {port}");
            return run;
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    private ProcessStartInfo ScriptStart(int port)
    {
        var start = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // setsid: the script leads a process group of its own, as a terminal's foreground job does, so that the test's
        // Ctrl+C (SIGINT to that group) reaches the script and the proxy it runs, and nothing of the test's.
        foreach (var argument in new[] { "bash", Path.Combine("scripts", "start-local.sh") })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("AzureWebJobsStorage", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["PATH"] = string.Join(':', (start.Environment["PATH"] ?? string.Empty).Split(':')
            .Where(folder => !File.Exists(Path.Combine(folder, "func"))));
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["AZURITE_LOCATION"] = _data.FullName;
        start.Environment["AZURITE_BLOB_PORT"] = _azuritePorts[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["AZURITE_QUEUE_PORT"] = _azuritePorts[1].ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["AZURITE_TABLE_PORT"] = _azuritePorts[2].ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Proxy__Upstream__BaseUrl"] = _upstream.BaseAddress.ToString();
        start.Environment["Proxy__Auth__Mode"] = "Managed";
        start.Environment["Proxy__Upstream__ApiKey"] = ProxyFixture.UpstreamKey;
        start.Environment["Proxy__Auth__KeyRefreshInterval"] = "00:00:01";

        return start;
    }

    private static async Task AdmittedEventuallyAsync(int port, string key) =>
        await Eventually.TrueAsync(async () => await StatusAsync(port, key) == HttpStatusCode.OK, TimeSpan.FromSeconds(30),
            "the CLI's key admitted by the proxy");

    private static async Task<HttpStatusCode> StatusAsync(int port, string key)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.GetAsync("/v1/echo");
        return response.StatusCode;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool IsListening(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"key: (?<key>sk-\S+)")]
    private static partial Regex CreatedKey();

    [GeneratedRegex(@"Azurite \(pid (?<pid>\d+)\)")]
    private static partial Regex AzuritePid();

    [GeneratedRegex(@"Proxy \(pid (?<pid>\d+)\)")]
    private static partial Regex ProxyPid();

    /// <summary>One run of the script: its output as it comes, and Ctrl+C (then, should it not stop, SIGKILL) to its process group.</summary>
    private sealed class ScriptRun : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ITestOutputHelper _log;
        private readonly StringBuilder _output = new();

        public ScriptRun(Process process, ITestOutputHelper log)
        {
            _process = process;
            _log = log;
            process.OutputDataReceived += (_, line) => Append(line.Data);
            process.ErrorDataReceived += (_, line) => Append(line.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public async Task<Match> WaitForAsync(Regex pattern, TimeSpan timeout)
        {
            Match match = Match.Empty;
            await WaitUntilAsync(() => (match = pattern.Match(Output)).Success, timeout, $"the script printing /{pattern}/");
            return match;
        }

        public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!condition())
            {
                if (_process.HasExited)
                {
                    Assert.Fail($"start-local.sh exited ({_process.ExitCode}) before {what}:\n{Output}");
                }

                Assert.True(DateTime.UtcNow < deadline, $"Not within {timeout}: {what}.\n{Output}");
                await Task.Delay(200);
            }
        }

        /// <summary>Ctrl+C, as a terminal sends it: SIGINT to the script's process group. Returns the script's exit code.</summary>
        public async Task<int> InterruptAsync()
        {
            await SignalGroupAsync("INT");
            using var timeout = new CancellationTokenSource(s_stopTimeout);
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }

        /// <summary>SIGTERM to the script's process alone. Returns the script's exit code.</summary>
        public async Task<int> TerminateAsync()
        {
            await SignalAsync("TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var timeout = new CancellationTokenSource(s_stopTimeout);
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }

        public async Task<int> WaitForExitAsync()
        {
            using var timeout = new CancellationTokenSource(s_startTimeout);
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            // Ctrl+C first, so that the script's trap stops the Azurite it started; SIGKILL only if that does not end it.
            if (!_process.HasExited)
            {
                await SignalGroupAsync("INT");
                using var timeout = new CancellationTokenSource(s_stopTimeout);
                try
                {
                    await _process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    await SignalGroupAsync("KILL");
                    await _process.WaitForExitAsync();
                }
            }

            _log.WriteLine(Output);
            _process.Dispose();
        }

        // The group's id is the script's pid (setsid made it the leader).
        private Task SignalGroupAsync(string signal) =>
            SignalAsync(signal, "-" + _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        private static async Task SignalAsync(string signal, string target)
        {
            using var kill = Process.Start("kill", ["-s", signal, "--", target]);
            await kill.WaitForExitAsync();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }
}
