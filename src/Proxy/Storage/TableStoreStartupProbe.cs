using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Proxy.Quota;

namespace Proxy.Storage;

/// <summary>
/// Asks Table storage as the host starts, without holding the start up, and every probe interval until it has answered
/// once: a store that does not answer is then known (and logged, with its endpoint and the cause, at a bounded rate) before
/// the first request and whether or not requests come, rather than found by one. While the circuit is open its own probe
/// watches the store, so this one waits.
/// </summary>
internal sealed class TableStoreStartupProbe(TableStoreCircuit circuit, IOptions<QuotaOptions> options, TimeProvider timeProvider) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var quota = options.Value;
        while (!circuit.HasAnswered && !stoppingToken.IsCancellationRequested)
        {
            if (!circuit.IsOpen && await circuit.ProbeAsync(quota.StoreTimeout) is null)
            {
                return;
            }

            await Task.Delay(quota.ProbeInterval, timeProvider, stoppingToken);
        }
    }
}
