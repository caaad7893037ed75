using System.Globalization;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy.Auth;
using Proxy.Failures;
using Proxy.Forwarding;
using Proxy.Quota;

namespace Proxy.Hosting;

/// <summary>
/// One line at start-up with what this process runs with, so that an operator reading the log knows which upstream,
/// mode, limits and storage it is about: endpoints (<see cref="SafeEndpoint"/>) and names only, never a key, a connection
/// string, an endpoint's user-info or its query.
/// </summary>
internal sealed partial class StartupSummary(
    IOptions<UpstreamOptions> upstream, IOptions<AuthOptions> auth, IOptions<QuotaOptions> quota, IOptions<FailureOptions> failures,
    TableServiceClient tables, QueueServiceClient queues, IServiceProvider services, ILogger<StartupSummary> logger) : IHostedService
{
    // Once every service, the server included, has started: a host that then fails to bind says only that, and says
    // nothing of stopping, since it never ran. (Read from the host's services when it starts, since the core's services
    // are also built without a host, by the CLI and tests.)
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var lifetime = services.GetService<IHostApplicationLifetime>();
        lifetime?.ApplicationStarted.Register(() =>
        {
            Write();
            lifetime.ApplicationStopping.Register(() => Stopping(logger));
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Write()
    {
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var options = quota.Value;
        var limits = string.Join(", ", new[] { (Name: QuotaOptions.FreeTier, Limit: options.FreeRequestsPerHour) }
            .Concat(options.Tiers.Select(tier => (Name: tier.Key, Limit: tier.Value.RequestsPerHour)))
            .Select(tier => $"{tier.Name} {(tier.Limit is { } limit ? limit.ToString(CultureInfo.InvariantCulture) + "/h" : "unlimited")}"));
        var upstreamEndpoint = SafeEndpoint.Describe(upstream.Value.BaseUrl);
        var upstreamKey = string.IsNullOrEmpty(upstream.Value.ApiKey) ? "the client's" : "the configured";
        var tableEndpoint = SafeEndpoint.Describe(tables.Uri);
        var queueEndpoint = SafeEndpoint.Describe(queues.Uri);
        Started(logger, upstreamEndpoint, auth.Value.Mode, upstreamKey, limits, options.FailureMode, tableEndpoint, queueEndpoint, failures.Value.QueueName);
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Proxy stopping: finishing the requests in flight and sending the buffered failure records")]
    private static partial void Stopping(ILogger logger);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information,
        Message = "Proxy started: upstream {Upstream} with {UpstreamKey} key, auth {AuthMode}, default limits {Limits} (a fresh tiers table's), " +
            "quota failure mode {FailureMode}, tables {TableEndpoint}, failure queue {QueueEndpoint} {QueueName}")]
    private static partial void Started(
        ILogger logger, string upstream, AuthMode authMode, string upstreamKey, string limits, QuotaFailureMode failureMode,
        string tableEndpoint, string queueEndpoint, string queueName);
}
