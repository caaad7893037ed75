using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Proxy.Tiers;

namespace Proxy.Auth;

/// <summary>
/// Reads the keys and tiers tables once the host has started and then every <see cref="AuthOptions.KeyRefreshInterval"/>,
/// on a timer rather than on a request's way (a proxy left idle once served a key created 40 s before as unknown,
/// twice). A read that takes longer than the interval delays the next tick instead of overlapping it.
/// </summary>
internal sealed class DirectoryRefreshService(
    KeyDirectory keys, TierDirectory tiers, IServiceProvider services, IOptions<AuthOptions> options, TimeProvider timeProvider)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.KeyRefreshInterval, timeProvider);
        try
        {
            // Not before: a host that fails to start (a port in use) must stop with the one line that says why, and a read
            // in flight then made the host log its shutdown as well. A request that comes first makes the first read itself.
            // (Read from the services, as StartupSummary does: the core's services are also built without a host.)
            if (services.GetService<IHostApplicationLifetime>() is { } lifetime)
            {
                var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
                {
                    await started.Task.WaitAsync(stoppingToken);
                }
            }

            do
            {
                await Task.WhenAll(keys.RefreshAsync(), tiers.RefreshAsync()).WaitAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping, or failed to start.
        }
    }
}
