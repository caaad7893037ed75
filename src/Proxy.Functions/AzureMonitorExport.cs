using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using Proxy.Hosting;
using Proxy.Telemetry;

namespace Proxy.Functions;

/// <summary>
/// The Functions app's metrics and traces, to the Application Insights resource named by
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> (nothing is exported without it). With
/// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING=ClientId=…;Authorization=AAD</c>, as the Bicep sets it, the exporter
/// authenticates with Entra as that user-assigned managed identity (the resource has local authentication off);
/// <c>Authorization=AAD</c> without a client id uses the system-assigned identity. Logs are not exported here: the
/// Functions host already sends the worker's logs.
/// </summary>
internal sealed class AzureMonitorExport(string ingestionHost, string authentication, ILogger<AzureMonitorExport> logger) : IHostedService
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>HttpClient's own activity source (.NET 9 and later): the upstream call, a child of the proxy's request activity.</summary>
    private const string HttpClientSourceName = "System.Net.Http";

    public static void AddTo(IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration[ConnectionStringSetting];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }

        var (credential, authentication) = CredentialFor(configuration[AuthenticationStringSetting]);
        void Configure(AzureMonitorExporterOptions options)
        {
            options.ConnectionString = connectionString;
            options.Credential = credential;
        }

        services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithMetrics(metrics => metrics.AddMeter(ProxyMetrics.MeterName).AddAzureMonitorMetricExporter(Configure))
            .WithTracing(tracing => tracing.AddSource(ProxyTracing.SourceName, HttpClientSourceName).AddAzureMonitorTraceExporter(Configure));
        services.AddHostedService(provider =>
            new AzureMonitorExport(IngestionHost(connectionString), authentication, provider.GetRequiredService<ILogger<AzureMonitorExport>>()));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        TelemetryLog.AzureMonitorExport(logger, ingestionHost, authentication);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The Entra credential the authentication string asks for, and how the start line names it; none without one.</summary>
    private static (TokenCredential? Credential, string Description) CredentialFor(string? authenticationString)
    {
        var parts = (authenticationString ?? string.Empty)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var authorization) || !authorization.Equals("AAD", StringComparison.OrdinalIgnoreCase))
        {
            return (null, "the connection string's instrumentation key (local authentication)");
        }

        return parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? (new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId)), "Entra, as the user-assigned managed identity " + clientId)
            : (new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned), "Entra, as the system-assigned managed identity");
    }

    /// <summary>Scheme, host and port of the connection string's ingestion endpoint, for the start line: never the instrumentation key or user-info.</summary>
    private static string IngestionHost(string connectionString)
    {
        var endpoint = connectionString
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2, StringSplitOptions.TrimEntries))
            .FirstOrDefault(pair => pair.Length == 2 && pair[0].Equals("IngestionEndpoint", StringComparison.OrdinalIgnoreCase))?[1];
        return Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? SafeEndpoint.DescribeServer(uri) : "the default ingestion endpoint";
    }
}
