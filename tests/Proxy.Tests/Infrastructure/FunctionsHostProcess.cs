using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// The Functions app under the Functions host, as a user with Core Tools runs it: <c>func start --no-build --port N</c>
/// in the app's build output, with <c>func</c> found on PATH. The host and the app's worker are processes below it.
/// </summary>
internal sealed partial class FunctionsHostProcess : ProxyProcess
{
    private static readonly Lazy<string> s_appFolder = new(CopyBuildOutput);

    // The from-source launcher prints where the master key is a moment after the function list; Core Tools never does.
    private static readonly TimeSpan s_masterKeyLineWait = TimeSpan.FromSeconds(10);

    private static readonly (string Standalone, string Host)[] s_queueOptions =
    [
        ("Proxy__Failures__MaxDequeueCount", "maxDequeueCount"),
        ("Proxy__Failures__ArchiveRetryDelay", "visibilityTimeout"),
        ("Proxy__Failures__ArchivePollInterval", "maxPollingInterval"),
    ];

    private readonly Process _launcher;
    private readonly string _secretsFolder;

    private FunctionsHostProcess(Process launcher, ConcurrentQueue<string> output, Uri baseAddress, string secretsFolder)
        : base(output, baseAddress)
    {
        _launcher = launcher;
        _secretsFolder = secretsFolder;
    }

    /// <summary>The <c>func</c> on PATH, or null when there is none.</summary>
    public static string? Launcher { get; } = FindOnPath("func");

    public override ProxyHostKind Kind => ProxyHostKind.Functions;

    /// <summary>Every process below the launcher (the host and its worker, or Core Tools and its worker): a request passes through both.</summary>
    public override long WorkingSet
    {
        get
        {
            var parents = new Dictionary<int, int>();
            var resident = new Dictionary<int, long>();
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), out var pid))
                {
                    continue;
                }

                try
                {
                    // The fields after the command name's closing parenthesis: state, ppid, ...
                    var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                    parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                    resident[pid] = long.Parse(File.ReadAllText(Path.Combine(directory, "statm")).Split(' ')[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
                }
                catch (IOException)
                {
                    // A process that ended while being read.
                }
            }

            bool Below(int pid) => parents.TryGetValue(pid, out var parent) && (parent == _launcher.Id || Below(parent));
            return resident.Where(process => Below(process.Key)).Sum(process => process.Value);
        }
    }

    /// <summary>
    /// Starts the host on a free port. A port taken by another process between its choice and the host's bind (the host
    /// then says the address is in use) is a lost race, not a failure: the host is started again on another.
    /// </summary>
    public static async Task<FunctionsHostProcess> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnAFreePortAsync(settings);
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    private static async Task<FunctionsHostProcess> StartOnAFreePortAsync(IReadOnlyDictionary<string, string> settings)
    {
        var func = Launcher ?? throw new InvalidOperationException(
            "No `func` on PATH: install Azure Functions Core Tools, or put a Functions host launcher's bin folder on PATH.");
        var port = LoopbackPort.Unused();
        var start = StartInfo(func, HostSettings(settings));
        foreach (var argument in new[] { "start", "--no-build", "--port", port.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        start.WorkingDirectory = s_appFolder.Value;

        // Core Tools listens on every interface; the from-source launcher on localhost unless told. Loopback either way.
        start.Environment["FUNC_LISTEN_HOST"] = "127.0.0.1";

        // Each host its own keys: hosts of one app folder share a secrets folder by default, and two starting at
        // once on a fresh machine each write a master key to it, so one of them holds a key the file no longer has.
        var secretsFolder = Path.Combine(Path.GetTempPath(), "proxy-functions-secrets-" + Guid.NewGuid().ToString("N")[..8]);
        start.Environment["FUNC_SECRETS_DIR"] = secretsFolder;

        var (launcher, output, _) = await StartAndWaitAsync(start, FunctionListLine(), "func start");
        return new FunctionsHostProcess(launcher, output, new Uri($"http://127.0.0.1:{port}/"), secretsFolder);
    }

    /// <summary>Runs a non-HTTP function (a timer) now, through the host's admin API, as an operator would.</summary>
    public async Task InvokeFunctionAsync(string name)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/admin/functions/{name}") { Content = JsonContent.Create(new { input = string.Empty }) };
        if (await MasterKeyAsync() is { } masterKey)
        {
            request.Headers.Add("x-functions-key", masterKey);
        }

        using var response = await client.SendAsync(request);
        if ((int)response.StatusCode != 202)
        {
            throw new InvalidOperationException($"The host did not accept the invocation of {name}: {(int)response.StatusCode}.");
        }
    }

    /// <summary>
    /// The admin API's key, from the file the launcher names once the host is running; null under Core Tools, which
    /// names none and lets local admin calls through without one.
    /// </summary>
    private async Task<string?> MasterKeyAsync()
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (Output.Select(line => MasterKeyLine().Match(line)).FirstOrDefault(match => match.Success) is { } keyLine)
            {
                return JsonNode.Parse(await File.ReadAllTextAsync(keyLine.Groups["file"].Value))?["masterKey"]?["value"]?.GetValue<string>();
            }

            if (waited.Elapsed > s_masterKeyLineWait)
            {
                return null;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Kills the launcher, the host and its worker (SIGKILL): no shutdown, no drain, as a crash would.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (!_launcher.HasExited)
        {
            _launcher.Kill(entireProcessTree: true);
            await _launcher.WaitForExitAsync();
        }

        _launcher.Dispose();
        if (Directory.Exists(_secretsFolder))
        {
            Directory.Delete(_secretsFolder, recursive: true);
        }
    }

    /// <summary>
    /// The settings as the Functions host takes them. The standalone host's in-process archiver is, under the Functions
    /// host, the queue-triggered archive function: its switch is the function's <c>AzureWebJobs.FailureArchive.Disabled</c>,
    /// its retry limit, retry delay and longest poll interval are the host's queue options (host.json, here overridden
    /// through the environment as an app setting would).
    /// </summary>
    private static Dictionary<string, string> HostSettings(IReadOnlyDictionary<string, string> settings)
    {
        var translated = new Dictionary<string, string>(settings);
        if (translated.Remove("Proxy__Failures__ArchiveInProcess", out var archive))
        {
            translated["AzureWebJobs.FailureArchive.Disabled"] = bool.Parse(archive) ? "false" : "true";
        }

        foreach (var (standalone, host) in s_queueOptions)
        {
            if (translated.Remove(standalone, out var value))
            {
                translated["AzureFunctionsJobHost__extensions__queues__" + host] = value;
            }
        }

        return translated;
    }

    /// <summary>
    /// A copy of the app's build output without a developer's <c>local.settings.json</c>, whose values the launcher
    /// would add to those the test gave; one copy for the whole run.
    /// </summary>
    private static string CopyBuildOutput()
    {
        var source = RepositoryPaths.FunctionsOutput;
        if (!File.Exists(Path.Combine(source, "functions.metadata")))
        {
            throw new InvalidOperationException($"The Functions app is not built at {source}: build the solution first.");
        }

        var target = Path.Combine(Path.GetTempPath(), "proxy-functions-app-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative == "local.settings.json")
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, relative))!);
            File.Copy(file, Path.Combine(target, relative));
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(target, recursive: true);
        return target;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    // Both Core Tools and the from-source launcher list the functions once the host is running:
    // "  Proxy: [GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS,TRACE] http://localhost:7071/{*path}".
    [GeneratedRegex(@"^\s+Proxy: \[[A-Z,]+\] http")]
    private static partial Regex FunctionListLine();

    [GeneratedRegex(@"Admin API: master key in (?<file>\S+) \(header x-functions-key\)")]
    private static partial Regex MasterKeyLine();
}
