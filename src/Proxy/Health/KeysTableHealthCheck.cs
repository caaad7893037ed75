using Azure.Data.Tables;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Proxy.Auth;
using Proxy.Storage;

namespace Proxy.Health;

/// <summary>
/// Managed mode's keys table. Down, it is <c>Degraded</c> while the keys read last keep serving (a change made meanwhile
/// does not arrive), and <c>Unhealthy</c> when it has not been read since start, since every request then gets 503.
/// The table lives in the quota's Table service: while that service's circuit is open it is not asked either.
/// </summary>
internal sealed class KeysTableHealthCheck : IHealthCheck
{
    private readonly TableStoreCircuit _circuit;
    private readonly KeyDirectory _keys;
    private readonly TableClient _table;
    private readonly CachedProbe _probe;
    private readonly TimeProvider _timeProvider;

    public KeysTableHealthCheck(
        TableServiceClient tableService, TableStoreCircuit circuit, KeyDirectory keys, IOptions<AuthOptions> auth,
        IOptions<HealthOptions> options, TimeProvider timeProvider)
    {
        _circuit = circuit;
        _keys = keys;
        _table = tableService.GetTableClient(auth.Value.KeysTableName);
        _timeProvider = timeProvider;
        _probe = new CachedProbe(ProbeAsync, options.Value, timeProvider);
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var cause = _circuit.IsOpen ? _circuit.LastCause ?? "a request's call failed" : await _probe.GetAsync().WaitAsync(cancellationToken);
        if (cause is null)
        {
            return HealthCheckResult.Healthy("answers");
        }

        return _keys.HasRead
            ? HealthCheckResult.Degraded($"does not answer ({cause}); the keys read last keep serving, changes wait until it is back")
            : HealthCheckResult.Unhealthy($"has not been read since start ({cause}); every request is refused with 503");
    }

    /// <summary>Reads at most one row; a table that does not exist yet answers too (no key is registered).</summary>
    private Task<string?> ProbeAsync(TimeSpan timeout) => StorageProbe.AnswerAsync(async cancellationToken =>
    {
        await foreach (var _ in _table.QueryAsync<TableEntity>(maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken).AsPages())
        {
            break;
        }
    }, timeout, _timeProvider);
}
