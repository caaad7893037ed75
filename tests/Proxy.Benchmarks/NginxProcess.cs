using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Proxy.Tests.Infrastructure;

namespace Proxy.Benchmarks;

/// <summary>
/// Debian's nginx as a plain reverse proxy in front of the fake upstream: a generated configuration on loopback, no
/// response buffering, a keep-alive pool to the upstream, one worker per core, everything (pid, logs, temp files) in a
/// directory of its own that is removed with it. Started in the foreground and stopped by its process id.
/// </summary>
internal sealed class NginxProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly string _directory;

    private NginxProcess(Process process, string directory, Uri baseAddress)
    {
        _process = process;
        _directory = directory;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    /// <summary>The nginx binary on PATH or where Debian puts it; null when it is not installed.</summary>
    public static string? Binary { get; } = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Append("/usr/sbin")
        .Select(directory => Path.Combine(directory, "nginx"))
        .FirstOrDefault(File.Exists);

    public static async Task<NginxProcess> StartAsync(string binary, Uri upstream, int keepAliveConnections)
    {
        var directory = Directory.CreateTempSubdirectory("proxy-benchmark-nginx-").FullName;
        var port = LoopbackPort.Unused();
        var configuration = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(configuration, string.Create(CultureInfo.InvariantCulture, $$"""
            daemon off;
            master_process on;
            worker_processes auto;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 4096; }
            http {
                access_log off;
                client_body_temp_path {{directory}}/client_body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                upstream fake_upstream {
                    server {{upstream.Host}}:{{upstream.Port}};
                    keepalive {{keepAliveConnections}};
                }
                server {
                    listen 127.0.0.1:{{port}};
                    location / {
                        proxy_pass http://fake_upstream;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_buffering off;
                        proxy_request_buffering off;
                    }
                }
            }
            """));

        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-p", directory, "-c", configuration, "-e", Path.Combine(directory, "error.log") })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start.");
        var nginx = new NginxProcess(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        var deadline = Stopwatch.StartNew();
        while (!await AcceptsAsync(port))
        {
            if (process.HasExited || deadline.Elapsed > s_startTimeout)
            {
                var errors = File.Exists(Path.Combine(directory, "error.log")) ? await File.ReadAllTextAsync(Path.Combine(directory, "error.log")) : string.Empty;
                await nginx.DisposeAsync();
                throw new InvalidOperationException($"nginx did not listen on 127.0.0.1:{port} within {s_startTimeout}:\n{errors}");
            }

            await Task.Delay(50);
        }

        return nginx;
    }

    /// <summary>Kills the master and its workers by process id, then removes the directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await ProxyProcess.StopAsync(_process);
        Directory.Delete(_directory, recursive: true);
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
