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

    /// <summary>
    /// Most bytes one scrape answer may take. The proxy's series are few and bounded (statuses, kinds, decisions and the
    /// runtime's), well under this; a bound of the exporter's default (about 166 MiB) would let a fault grow memory.
    /// </summary>
    public const int MaxScrapeResponseSize = 4 * 1024 * 1024;

    /// <summary>How long one scrape's answer is reused: a flood of scrapes costs at most one collection per this many milliseconds.</summary>
    public const int ScrapeResponseCacheMilliseconds = 300;

    /// <summary>The endpoint as an address; null when it is off or not an absolute URL (which the validator refuses).</summary>
    public Uri? PrometheusAddress =>
        Uri.TryCreate(PrometheusEndpoint, UriKind.Absolute, out var address) ? address : null;
}
