using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// A real Prometheus server (Debian's <c>prometheus</c> package) on a free loopback port, scraping one target every
/// second, with its config and data in a temporary folder; stopped by its process id and the folder deleted on dispose.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/prometheus";

    private readonly Process _process;
    private readonly DirectoryInfo _folder;
    private readonly HttpClient _client;

    private PrometheusServer(Process process, DirectoryInfo folder, Uri address)
    {
        _process = process;
        _folder = folder;
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Starts Prometheus scraping <c>http://127.0.0.1:<paramref name="targetPort"/>/metrics</c>; returns once it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(int targetPort)
    {
        Assert.True(File.Exists(Executable), $"Prometheus is installed at {Executable} (scripts/test.sh installs Debian's prometheus package when run as root).");
        var folder = Directory.CreateTempSubdirectory("prometheus-");
        var config = Path.Combine(folder.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: proxy
                static_configs:
                  - targets: ["127.0.0.1:{targetPort.ToString(CultureInfo.InvariantCulture)}"]
            """);

        var port = LoopbackPort.Unused();
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList =
            {
                "--config.file=" + config,
                "--storage.tsdb.path=" + Path.Combine(folder.FullName, "data"),
                "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Prometheus did not start.");

        // Its log goes to stderr; read both streams so that a full pipe never blocks it.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new PrometheusServer(process, folder, new Uri($"http://127.0.0.1:{port}"));
        await Eventually.TrueAsync(server.IsReadyAsync, TimeSpan.FromSeconds(60), "Prometheus answers /-/ready");
        return server;
    }

    /// <summary>
    /// The value of an instant query (<c>/api/v1/query</c>) whose result is one sample, such as a <c>sum(…)</c>;
    /// null while it has none (no scrape has seen the series yet).
    /// </summary>
    public async Task<double?> QueryAsync(string query)
    {
        using var response = await _client.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(query));
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("success", body.RootElement.GetProperty("status").GetString());
        var result = body.RootElement.GetProperty("data").GetProperty("result");
        if (result.GetArrayLength() == 0)
        {
            return null;
        }

        // Each sample is [timestamp, "value"].
        var value = Assert.Single(result.EnumerateArray()).GetProperty("value")[1].GetString()!;
        return double.Parse(value, CultureInfo.InvariantCulture);
    }

    /// <summary>The health of the one target, as Prometheus's <c>/api/v1/targets</c> reports it (<c>up</c> once scraped).</summary>
    public async Task<string?> TargetHealthAsync()
    {
        var body = await _client.GetFromJsonAsync<JsonElement>("/api/v1/targets");
        var active = body.GetProperty("data").GetProperty("activeTargets");
        return active.GetArrayLength() == 0 ? null : active[0].GetProperty("health").GetString();
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _folder.Delete(recursive: true);
    }

    private async Task<bool> IsReadyAsync()
    {
        try
        {
            using var response = await _client.GetAsync("/-/ready");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
