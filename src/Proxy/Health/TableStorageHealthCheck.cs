using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Proxy.Quota;
using Proxy.Storage;

namespace Proxy.Health;

/// <summary>
/// The quota's Table storage. While the circuit is open the store is known to be down and is not asked again (the
/// circuit's own probe watches it); otherwise a cached probe asks it, and a failed probe opens the circuit as a failed
/// request would. Down, it is <c>Degraded</c> in fail-open mode (requests are served, uncounted) and <c>Unhealthy</c> in
/// fail-closed mode (they get 503).
/// </summary>
internal sealed class TableStorageHealthCheck : IHealthCheck
{
    private readonly TableStoreCircuit _circuit;
    private readonly CachedProbe _probe;
    private readonly QuotaFailureMode _failureMode;

    public TableStorageHealthCheck(TableStoreCircuit circuit, IOptions<QuotaOptions> quota, IOptions<HealthOptions> options, TimeProvider timeProvider)
    {
        _circuit = circuit;
        _failureMode = quota.Value.FailureMode;
        _probe = new CachedProbe(circuit.ProbeAsync, options.Value, timeProvider);
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var cause = _circuit.IsOpen ? _circuit.LastCause ?? "a request's call failed" : await _probe.GetAsync().WaitAsync(cancellationToken);
        if (cause is null)
        {
            return HealthCheckResult.Healthy("answers");
        }

        var state = _circuit.HasAnswered ? $"does not answer ({cause})" : $"has not answered since start ({cause})";
        return _failureMode == QuotaFailureMode.Open
            ? HealthCheckResult.Degraded(state + "; requests are admitted uncounted (fail-open)")
            : HealthCheckResult.Unhealthy(state + "; requests are refused with 503 (fail-closed)");
    }
}
