using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Proxy.Quota;

namespace Proxy.Storage;

/// <summary>
/// Asks Table storage once as the host starts, without holding the start up: a store that does not answer is then known
/// (and logged, with its endpoint and the cause) before the first request, rather than found by it (issue 14).
/// </summary>
internal sealed class TableStoreStartupProbe(TableStoreCircuit circuit, IOptions<QuotaOptions> options) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => circuit.ProbeAsync(options.Value.StoreTimeout);
}
