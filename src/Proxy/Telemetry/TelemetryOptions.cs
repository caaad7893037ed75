namespace Proxy.Telemetry;

/// <summary>Where the host exports the proxy's metrics. Bound from <c>Proxy:Telemetry</c> (<c>Proxy__Telemetry__*</c>).</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Proxy:Telemetry";

    /// <summary>The path Prometheus scrapes on <see cref="PrometheusEndpoint"/>: its exporter's usual one.</summary>
    public const string ScrapePath = "/metrics";

    /// <summary>
    /// Standalone host: the address (<c>http://127.0.0.1:9464</c>) of a listener of its own that serves the metrics to
    /// Prometheus at <see cref="ScrapePath"/>; empty (the default) for none. A listener apart from the proxy's port, so
    /// that a scrape is never forwarded, counted, logged as an access or subject to the proxy's connection limits, and
    /// so that the metrics are not public because the API is.
    /// </summary>
    public string? PrometheusEndpoint { get; set; }

    /// <summary>The listener's prefix, as the exporter takes it; null when the endpoint is off.</summary>
    public string? PrometheusListenerPrefix =>
        string.IsNullOrWhiteSpace(PrometheusEndpoint) ? null : PrometheusEndpoint.TrimEnd('/') + "/";
}
