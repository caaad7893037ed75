using System.Diagnostics;
using System.Text.Json;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// An attacker's idle connections, opened by a separate <c>node</c> process so that they do not count against the test
/// process's own open-file limit: <see cref="Count"/> TCP connections to a loopback port, paced so that the listen
/// backlog does not overflow, none of which ever sends a byte. Reports how many the server let stay open; closes them
/// all and exits on dispose, or by itself after two minutes.
/// </summary>
internal sealed class IdleConnectionFlood : IAsyncDisposable
{
    private const string Script = """
        const net = require('net');
        const [port, count] = process.argv.slice(1).map(Number);
        const sockets = [];
        let connected = 0, closed = 0, failed = 0, attempted = 0;
        setTimeout(() => process.exit(0), 120000).unref();
        function batch() {
          const end = Math.min(attempted + 250, count);
          let pending = end - attempted;
          for (; attempted < end; attempted++) {
            const socket = net.connect({ host: '127.0.0.1', port });
            socket.setTimeout(0);
            // Each attempt ends once, connected or not: a connection the server resets before its connect event is
            // seen fails its connect and then closes, and must still count, or the batch never ends.
            let ended = false;
            const settle = () => { if (!ended) { ended = true; if (--pending === 0) next(); } };
            socket.on('connect', () => { connected++; settle(); });
            socket.on('error', () => { failed++; });
            socket.on('close', () => { closed++; settle(); });
            sockets.push(socket);
          }
        }
        function next() { if (attempted < count) setImmediate(batch); else setTimeout(report, 3000); }
        function report() {
          console.log(JSON.stringify({ attempted, connected, open: sockets.filter(s => !s.destroyed && s.readyState === 'open').length, failed }));
        }
        process.stdin.on('data', () => report());
        process.stdin.on('end', () => { sockets.forEach(s => s.destroy()); process.exit(0); });
        batch();
        """;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private readonly Process _process;

    private IdleConnectionFlood(Process process, int count)
    {
        _process = process;
        Count = count;
    }

    public int Count { get; }

    public static IdleConnectionFlood Start(int port, int count)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new IdleConnectionFlood(Process.Start(start)!, count);
    }

    /// <summary>Waits for the first report: every connection attempted, and three seconds for the server to close what it closes.</summary>
    public async Task<FloodReport> OpenedAsync(TimeSpan timeout) => await ReadReportAsync(timeout);

    /// <summary>Asks again how many of the connections are still open.</summary>
    public async Task<FloodReport> ReportAsync(TimeSpan timeout)
    {
        await _process.StandardInput.WriteLineAsync("report");
        await _process.StandardInput.FlushAsync();
        return await ReadReportAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(exit.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }

        _process.Dispose();
    }

    private async Task<FloodReport> ReadReportAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var line = await _process.StandardOutput.ReadLineAsync(cancel.Token) ?? throw new InvalidOperationException("The flood process ended without a report.");
        return JsonSerializer.Deserialize<FloodReport>(line, s_json)!;
    }

    internal sealed record FloodReport(int Attempted, int Connected, int Open, int Failed);
}
