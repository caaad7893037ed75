using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Proxy.Tiers;

namespace Proxy.Auth;

/// <summary>
/// Reads the keys and tiers tables at start and every <see cref="AuthOptions.KeyRefreshInterval"/>, on a timer rather than
/// on a request's way (issue 14: a proxy left idle served a key created 40 s before as unknown, twice). A read that takes
/// longer than the interval delays the next tick instead of overlapping it.
/// </summary>
internal sealed class DirectoryRefreshService(KeyDirectory keys, TierDirectory tiers, IOptions<AuthOptions> options, TimeProvider timeProvider)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.KeyRefreshInterval, timeProvider);
        do
        {
            await Task.WhenAll(keys.RefreshAsync(), tiers.RefreshAsync()).WaitAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
