using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Proxy.Hosting;
using Proxy.Telemetry;

namespace Proxy.Standalone;

/// <summary>
/// The standalone host's Prometheus scrape endpoint (<see cref="TelemetryOptions.PrometheusEndpoint"/>), off unless set:
/// the OpenTelemetry SDK's exporter on an HTTP listener of its own, on its own port, outside the proxy's Kestrel
/// pipeline, so that no scrape is forwarded, counted, access-logged or held to the proxy's connection limits, and no
/// client key reaches it. The proxy's meter and the runtime's are served.
/// </summary>
internal sealed class PrometheusEndpoint(IOptions<TelemetryOptions> options, ILogger<PrometheusEndpoint> logger) : IHostedService
{
    /// <summary>The runtime's own meter (GC, thread pool, exceptions), which .NET publishes without instrumentation.</summary>
    private const string RuntimeMeterName = "System.Runtime";

    /// <summary>The <c>service_name</c> of the series' <c>target_info</c>, instead of the SDK's <c>unknown_service</c>.</summary>
    private const string ServiceName = "proxy";

    public static void AddTo(IServiceCollection services, IConfiguration configuration)
    {
        // Read before the options are validated: an endpoint the validator refuses stops the host before the listener starts.
        var address = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>()?.PrometheusAddress;
        if (address is null)
        {
            return;
        }

        services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService(ServiceName)).WithMetrics(metrics => metrics
            .AddMeter(ProxyMetrics.MeterName, RuntimeMeterName)
            .AddPrometheusHttpListener(listener =>
            {
                listener.Host = address.Host;
                listener.Port = address.Port;
                listener.ScrapeEndpointPath = TelemetryOptions.ScrapePath;
                listener.MaxScrapeResponseSizeBytes = TelemetryOptions.MaxScrapeResponseSize;
                listener.ScrapeResponseCacheDurationMilliseconds = TelemetryOptions.ScrapeResponseCacheMilliseconds;
            }));
        services.AddHostedService<PrometheusEndpoint>();
    }

    private readonly string _scrapeUrl = SafeEndpoint.Describe(new Uri(options.Value.PrometheusAddress!, TelemetryOptions.ScrapePath));

    public Task StartAsync(CancellationToken cancellationToken)
    {
        TelemetryLog.PrometheusEndpoint(logger, _scrapeUrl);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
