using Microsoft.Extensions.Logging;

namespace Proxy.Telemetry;

/// <summary>The hosts' lines about where metrics and traces go (events 5100-5199).</summary>
public static partial class TelemetryLog
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Metrics for Prometheus at {ScrapeUrl}")]
    public static partial void PrometheusEndpoint(ILogger logger, string scrapeUrl);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information,
        Message = "Metrics and traces exported to Azure Monitor at {IngestionHost}, authenticated by {Authentication}")]
    public static partial void AzureMonitorExport(ILogger logger, string ingestionHost, string authentication);
}
