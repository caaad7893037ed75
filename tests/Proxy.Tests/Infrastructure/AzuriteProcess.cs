using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// A real Azurite (the repository's pinned npm package) on free loopback ports, in memory, stopped on dispose.
/// </summary>
internal sealed partial class AzuriteProcess : IAsyncDisposable
{
    // The well-known development account; Azurite accepts nothing else.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    // No telemetry (it phones home), nothing on disk, and no refusal of the newest SDK's API version.
    private static readonly string[] s_commonArguments = ["--disableTelemetry", "--inMemoryPersistence", "--skipApiVersionCheck", "--loose"];

    private readonly Process _process;
    private int _disposed;

    private AzuriteProcess(Process process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    /// <summary>The process started (with its children, the services), whose CPU time the benchmark reads.</summary>
    public int ProcessId => _process.Id;

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    public string ConnectionString => ConnectionStringFor(TablePort, QueuePort, BlobPort);

    /// <summary>A development-account connection string; a service without a port is left out.</summary>
    public static string ConnectionStringFor(int tablePort, int? queuePort = null, int? blobPort = null) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        (blobPort is { } blob ? $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;" : string.Empty) +
        (queuePort is { } queue ? $"QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" : string.Empty) +
        $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";

    /// <summary>Blob, Queue and Table services, each on a free port.</summary>
    public static async Task<AzuriteProcess> StartAsync()
    {
        var ports = await StartAsync("azurite", ["Blob", "Queue", "Table"],
            "--blobHost", "127.0.0.1", "--blobPort", "0", "--queueHost", "127.0.0.1", "--queuePort", "0", "--tableHost", "127.0.0.1", "--tablePort", "0");
        return new AzuriteProcess(ports.Process, ports.Ports["Blob"], ports.Ports["Queue"], ports.Ports["Table"]);
    }

    /// <summary>
    /// The Table service alone (<c>azurite-table</c>), so that a fault test can stop it while the rest stays up,
    /// and start it again on the same port.
    /// </summary>
    public static async Task<AzuriteProcess> StartTableServiceAsync(int? port = null)
    {
        var (process, tablePort) = await StartSingleServiceAsync("Table", port);
        return new AzuriteProcess(process, 0, 0, tablePort);
    }

    /// <summary>The Queue service alone (<c>azurite-queue</c>), for the same reason.</summary>
    public static async Task<AzuriteProcess> StartQueueServiceAsync(int? port = null)
    {
        var (process, queuePort) = await StartSingleServiceAsync("Queue", port);
        return new AzuriteProcess(process, 0, queuePort, 0);
    }

    private static async Task<(Process Process, int Port)> StartSingleServiceAsync(string service, int? port)
    {
        // The single-service commands report the port they were given, not the one they bound, so they are given a free one.
        var chosen = (port ?? LoopbackPort.Unused()).ToString(CultureInfo.InvariantCulture);
        var lower = service.ToLowerInvariant();
        var started = await StartAsync("azurite-" + lower, [service], $"--{lower}Host", "127.0.0.1", $"--{lower}Port", chosen);
        return (started.Process, started.Ports[service]);
    }

    private static async Task<(Process Process, Dictionary<string, int> Ports)> StartAsync(string executable, string[] services, params string[] arguments)
    {
        var path = Path.Combine(RepositoryPaths.Root, "node_modules", ".bin", executable);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Azurite is not installed at {path}: run `npm ci` at the repository root.");
        }

        var start = new ProcessStartInfo(path)
        {
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in s_commonArguments.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        var ports = new Dictionary<string, int>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            var match = line.Data is null ? null : ListeningLine().Match(line.Data);
            if (match is { Success: true })
            {
                lock (ports)
                {
                    ports[match.Groups["service"].Value] = int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture);
                    if (ports.Count == services.Length)
                    {
                        ready.TrySetResult();
                    }
                }
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var started = await Task.WhenAny(ready.Task, Task.Delay(TimeSpan.FromSeconds(60)), process.WaitForExitAsync());
        if (started != ready.Task)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            throw new InvalidOperationException($"{executable} did not report {string.Join(", ", services)} listening within 60 seconds.");
        }

        return (process, ports);
    }

    /// <summary>Stops Azurite; safe to call more than once, as a fault test that stops it early does.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    // Each command words it differently: "is successfully listening at http://127.0.0.1:41127" (azurite),
    // "successfully started on 127.0.0.1:41127" (azurite-table), "successfully listens on http://127.0.0.1:41127" (azurite-queue).
    [GeneratedRegex(@"Azurite (?<service>Blob|Queue|Table) service (is successfully listening at|successfully started on|successfully listens on) (http://)?[^:]+:(?<port>\d+)")]
    private static partial Regex ListeningLine();
}
