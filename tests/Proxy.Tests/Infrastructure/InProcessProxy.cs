using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Proxy.Hosting;
using Proxy.Standalone;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// The standalone host's application built inside the test process (<see cref="StandaloneApp"/>), on Kestrel on a free
/// loopback port: the same core, settings and log lines as its process, started in a fraction of the time, with nothing
/// of the test process's environment in its settings, and on a clock the test moves where it asks for one.
/// </summary>
internal sealed class InProcessProxy : ProxyProcess
{
    private readonly WebApplication _app;

    private readonly RequestStartRecorder _starts;

    private InProcessProxy(WebApplication app, ConcurrentQueue<string> output, Uri baseAddress, FakeTimeProvider? clock, RequestStartRecorder starts)
        : base(output, baseAddress)
    {
        _app = app;
        Clock = clock;
        _starts = starts;
    }

    public override ProxyHostKind Kind => ProxyHostKind.InProcess;

    /// <summary>The application's services, for a test that waits on what the proxy does in the background.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The clock the test moves, when it started the proxy with one; otherwise the proxy runs on the system's.</summary>
    public FakeTimeProvider? Clock { get; }

    public override long WorkingSet => throw new NotSupportedException("An in-process proxy shares the test process's memory; memory is measured on a process of its own.");

    /// <summary>
    /// Starts the application with <paramref name="settings"/>, named as environment variables (<c>Proxy__Quota__…</c>),
    /// on <paramref name="clock"/> when one is given, with the services <paramref name="replace"/> puts in.
    /// </summary>
    public static async Task<InProcessProxy> StartAsync(
        IReadOnlyDictionary<string, string> settings, FakeTimeProvider? clock = null, Action<IServiceCollection>? replace = null)
    {
        var output = new ConcurrentQueue<string>();
        var starts = new RequestStartRecorder();
        var app = Build(settings, output, services =>
        {
            services.AddSingleton<IStartupFilter>(starts);
            if (clock is not null)
            {
                services.AddSingleton<TimeProvider>(clock);
            }

            replace?.Invoke(services);
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new InProcessProxy(app, output, new Uri(address), clock, starts);
    }

    /// <summary>
    /// Runs the application as its <c>Program</c> does, through <see cref="HostStartup"/>, for a start that is refused: its
    /// exit code, and its log lines followed by what it wrote to standard error.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IReadOnlyDictionary<string, string> settings)
    {
        var output = new ConcurrentQueue<string>();
        using var error = new StringWriter();
        var exitCode = await Task.Run(() => HostStartup.Run(() => Build(settings, output, replace: null), error)).WaitAsync(TimeSpan.FromSeconds(30));
        return (exitCode, string.Join('\n', output) + '\n' + error);
    }

    /// <summary>Waits until the application has begun to handle a request for <paramref name="path"/>.</summary>
    public Task WaitForRequestAsync(string path) =>
        Eventually.TrueAsync(() => Task.FromResult(_starts.Paths.Contains(path)), TimeSpan.FromSeconds(30), "the proxy handling a request for " + path);

    /// <summary>Stops as a service manager's stop does: the host's shutdown, with the hosted services' last work.</summary>
    public async Task StopGracefullyAsync(TimeSpan timeout)
    {
        using var waiting = new CancellationTokenSource(timeout);
        await _app.StopAsync(waiting.Token);
    }

    private static WebApplication Build(IReadOnlyDictionary<string, string> settings, ConcurrentQueue<string> output, Action<IServiceCollection>? replace)
    {
        var builder = StandaloneApp.CreateBuilder([]);
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = "http://127.0.0.1:0" });
        builder.Configuration.AddInMemoryCollection(settings.Select(setting =>
            KeyValuePair.Create(setting.Key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), (string?)setting.Value)));
        return StandaloneApp.Build(builder, services =>
        {
            CapturedConsoleLog.Replace(services, output);
            replace?.Invoke(services);
        });
    }

    /// <summary>Stops at once, with no drain and no last flush, as a killed process does, and releases the application.</summary>
    public override async ValueTask DisposeAsync()
    {
        await _app.StopAsync(new CancellationToken(canceled: true));
        await _app.DisposeAsync();
    }
}
