using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// One Azurite service (<c>azurite-table</c> or <c>azurite-queue</c>) that keeps its data on disk, so that a fault test
/// can take it away and bring it back on the same port with its data intact, as a real storage outage does.
/// <see cref="AzuriteProcess"/>'s single services run in memory, so a restarted one starts empty: quota counters,
/// queued failure records and archived rows would vanish, and a test would measure the emulator, not the proxy.
/// Stopping is graceful (SIGINT, which both commands handle by closing the server and saving their database).
/// </summary>
internal sealed partial class PersistentAzuriteService : IAsyncDisposable
{
    private static readonly string[] s_commonArguments = ["--disableTelemetry", "--skipApiVersionCheck", "--loose"];
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(30);

    private readonly string _service;
    private readonly string _location;
    private Process? _process;
    private TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PersistentAzuriteService(string service, int port)
    {
        _service = service;
        Port = port;
        _location = Path.Combine(Path.GetTempPath(), $"azurite-{service.ToLowerInvariant()}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_location);
    }

    public int Port { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The Table service alone, on a free port, with its data in a new temporary directory.</summary>
    public static Task<PersistentAzuriteService> StartTableAsync() => StartNewAsync("Table");

    /// <summary>The Queue service alone, on a free port, with its data in a new temporary directory.</summary>
    public static Task<PersistentAzuriteService> StartQueueAsync() => StartNewAsync("Queue");

    /// <summary>Starts the service again, on its port, over the data it saved when it stopped.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"The {_service} service is already running.");
        }

        var path = Path.Combine(RepositoryPaths.Root, "node_modules", ".bin", "azurite-" + _service.ToLowerInvariant());
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Azurite is not installed at {path}: run `npm ci` at the repository root.");
        }

        var lower = _service.ToLowerInvariant();
        var start = new ProcessStartInfo(path)
        {
            WorkingDirectory = _location,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in s_commonArguments.Concat(["--location", _location, $"--{lower}Host", "127.0.0.1", $"--{lower}Port", Port.ToString(CultureInfo.InvariantCulture)]))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"azurite-{lower} did not start.");
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            // Azurite writes an access-log line per request; only the two lifecycle lines matter here.
            if (line.Data is null)
            {
                return;
            }

            if (ListeningLine().IsMatch(line.Data))
            {
                listening.TrySetResult();
            }
            else if (ClosedLine().IsMatch(line.Data))
            {
                closed.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var started = await Task.WhenAny(listening.Task, Task.Delay(s_startTimeout), process.WaitForExitAsync());
        if (started != listening.Task)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
            throw new InvalidOperationException($"azurite-{lower} did not report listening on port {Port} within {s_startTimeout}.");
        }

        _process = process;
        _closed = closed;
    }

    /// <summary>
    /// Stops the service the way its own Ctrl+C does: it stops accepting connections at once, finishes what it was
    /// doing, saves its database and exits. Clients see connections refused until <see cref="StartAsync"/>.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        using (process)
        {
            if (!process.HasExited)
            {
                using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-INT", process.Id.ToString(CultureInfo.InvariantCulture) } })
                    ?? throw new InvalidOperationException("kill did not start.");
                await kill.WaitForExitAsync();
            }

            await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(s_stopTimeout));
            if (!process.HasExited)
            {
                // A saved database is all that matters; a process that lingers after saying it closed is only slow to exit.
                var saved = _closed.Task.IsCompleted;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                if (!saved)
                {
                    throw new InvalidOperationException($"azurite-{_service.ToLowerInvariant()} did not close within {s_stopTimeout}; its data may not be saved.");
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }

        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<PersistentAzuriteService> StartNewAsync(string service)
    {
        var azurite = new PersistentAzuriteService(service, LoopbackPort.Unused());
        try
        {
            await azurite.StartAsync();
            return azurite;
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }
    }

    // "successfully started on 127.0.0.1:41127" (azurite-table), "successfully listens on http://127.0.0.1:41127" (azurite-queue).
    [GeneratedRegex(@"Azurite (Table|Queue) service (successfully started on|successfully listens on) ")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Azurite (Table|Queue) service successfully closed")]
    private static partial Regex ClosedLine();
}
