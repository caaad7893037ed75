namespace Proxy.Health;

/// <summary>The health endpoint (<c>GET /health</c>). Bound from <c>Proxy:Health</c> (<c>Proxy__Health__*</c>).</summary>
public sealed class HealthOptions
{
    public const string SectionName = "Proxy:Health";

    /// <summary>
    /// How long one probe's answer serves every health request: anyone may call <c>/health</c>, without a key, so its calls
    /// must not become calls to storage. A dependency is probed at most once per this interval, whatever the traffic.
    /// </summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest one probe of a dependency may take; one that takes longer counts as "timed out".</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
