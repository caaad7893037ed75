using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy;
using Proxy.AccessLog;
using Proxy.Auth;
using Proxy.Connections;
using Proxy.Cors;
using Proxy.Errors;
using Proxy.Failures;
using Proxy.Forwarding;
using Proxy.Health;
using Proxy.Hosting;
using Proxy.Quota;
using Proxy.Requests;
using Proxy.Storage;
using Proxy.Telemetry;
using Proxy.Tiers;
using Proxy.Tokens;
using Proxy.Usage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the proxy's core; both hosts call this once and hand every request to <see cref="ProxyRequestHandler"/>.</summary>
public static class ProxyServiceCollectionExtensions
{
    public static IServiceCollection AddProxy(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<UpstreamOptions>().Bind(configuration.GetSection(UpstreamOptions.SectionName)).ValidateOnStart();
        services.AddOptions<ForwardingOptions>().Bind(configuration.GetSection(ForwardingOptions.SectionName)).ValidateOnStart();
        services.AddOptions<FunctionsHostOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UpstreamOptions>, UpstreamOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ForwardingOptions>, ForwardingOptionsValidator>());
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName)).ValidateOnStart();
        services.AddOptions<QuotaOptions>().Bind(configuration.GetSection(QuotaOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<QuotaOptions>, QuotaOptionsValidator>());
        services.AddOptions<TierOptions>().Bind(configuration.GetSection(TierOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TierOptions>, TierOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, KestrelLimitsSetup>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpForwarder();
        services.AddProxyStorage(configuration);
        services.TryAddSingleton<TableStoreCircuit>();
        services.AddHostedService<TableStoreStartupProbe>();
        services.AddProxyHealth(configuration);
        services.TryAddSingleton<KeyTable>();
        services.TryAddSingleton<KeyDirectory>();
        services.TryAddSingleton<TierTable>();
        services.TryAddSingleton(provider => new TierSettings(configuration.GetSection(QuotaOptions.SectionName), provider.GetRequiredService<IOptions<QuotaOptions>>()));
        services.TryAddSingleton<TierDirectory>();
        services.AddHostedService<DirectoryRefreshService>();
        services.TryAddSingleton<KeyIdCache>();
        services.TryAddSingleton<KeyResolver>();
        services.TryAddSingleton<QuotaCounterStore>();
        services.TryAddSingleton<QuotaLimiter>();
        services.TryAddSingleton<QuotaRetention>();
        services.TryAddSingleton<QuotaEndpoint>();
        services.AddOptions<FailureOptions>().Bind(configuration.GetSection(FailureOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FailureOptions>, FailureOptionsValidator>());
        services.TryAddSingleton<FailureReporter>();
        services.TryAddSingleton<FailureRecordFactory>();
        services.TryAddSingleton<FailureArchive>();
        services.AddHostedService<FailureQueueSender>();
        services.AddOptions<UsageOptions>().Bind(configuration.GetSection(UsageOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UsageOptions>, UsageOptionsValidator>());
        services.TryAddSingleton<UsageTable>();
        services.TryAddSingleton<UsageLedger>();
        services.TryAddSingleton<UsageFlushService>();
        services.AddHostedService(provider => provider.GetRequiredService<UsageFlushService>());
        services.AddOptions<TokenOptions>().Bind(configuration.GetSection(TokenOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TokenOptions>, TokenOptionsValidator>());
        services.TryAddSingleton<TokenMeter>();
        services.AddHostedService<StartupSummary>();
        services.TryAddSingleton<RequestBookkeeping>();
        services.TryAddSingleton<ErrorResponseWriter>();
        services.AddOptions<AccessLogOptions>().Bind(configuration.GetSection(AccessLogOptions.SectionName)).ValidateOnStart();
        services.TryAddSingleton<AccessLogWriter>();
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton<ProxyMetrics>();
        services.TryAddSingleton<RequestTargetPolicy>();
        services.AddOptions<CrossOriginOptions>().Bind(configuration.GetSection(CrossOriginOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CrossOriginOptions>, CrossOriginOptionsValidator>());
        services.AddCors();
        services.TryAddSingleton<CrossOriginPolicy>();
        services.TryAddSingleton<ProxyTransformer>();
        services.TryAddSingleton<UpstreamForwarder>();
        services.TryAddSingleton(provider => new ProxyRequestHandler(
            provider.GetRequiredService<RequestTargetPolicy>(),
            provider.GetRequiredService<CrossOriginPolicy>(),
            provider.GetRequiredService<KeyResolver>(),
            provider.GetRequiredService<QuotaLimiter>(),
            provider.GetRequiredService<UpstreamForwarder>(),
            provider.GetRequiredService<ErrorResponseWriter>(),
            provider.GetRequiredService<AccessLogWriter>(),
            provider.GetRequiredService<UsageLedger>(),
            provider.GetRequiredService<ProxyMetrics>(),
            provider.GetRequiredService<TokenMeter>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IOptions<ForwardingOptions>>(),
            provider.GetRequiredService<IOptions<QuotaOptions>>(),
            provider.GetRequiredService<IOptions<FunctionsHostOptions>>(),
            provider.GetRequiredService<ILogger<ProxyRequestHandler>>(),
            provider.GetRequiredService<HealthEndpoint>(),
            provider.GetRequiredService<QuotaEndpoint>(),
            provider.GetRequiredService<RequestBookkeeping>()));

        // YARP logs forwarding failures with their exceptions, whose messages can name hosts and carry
        // request details.
        // ASP.NET Core's per-request lines log the full URL, query string included, where a client may
        // have put a key. The proxy logs every failure itself, without either.
        // The Azure SDK logs every 4xx as a warning, and the quota's 409s and 412s are its normal way of
        // resolving concurrent writes; real storage faults reach the logs through the circuit and the failure records.
        // A host that fails to start logs the exception, stack and all, before HostStartup prints the one line that
        // names the setting; Kestrel does the same for an address in use.
        services.AddLogging(logging => logging
            .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None)
            .AddFilter("Microsoft.AspNetCore.Server.Kestrel", level => level is >= LogLevel.Information and < LogLevel.Critical)
            .AddFilter("Yarp", LogLevel.None)
            .AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning)
            .AddFilter("Azure.Core", LogLevel.Error));
        return services;
    }

    /// <summary>
    /// Adapts the core to the Azure Functions host in front of the worker (see <see cref="FunctionsHostOptions"/>): the
    /// client's path is read back from the host's re-encoding, and the body limit stays below the host's own, so that
    /// the proxy, not the host, refuses a body over it. Unless <c>Proxy__Forwarding__MaxRequestBodySize</c> is set, the
    /// limit is 1 MiB below the host's (<c>FUNCTIONS_REQUEST_BODY_SIZE_LIMIT</c>, 100 MiB by default); a limit set at
    /// or above the host's is refused at start-up.
    /// </summary>
    public static IServiceCollection AddProxyUnderFunctionsHost(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        var hostLimit = long.TryParse(configuration[FunctionsHostOptions.RequestBodySizeLimitSetting], out var configured) && configured > 0
            ? configured
            : FunctionsHostOptions.DefaultRequestBodySizeLimit;
        services.Configure<FunctionsHostOptions>(options =>
        {
            options.BehindFunctionsHost = true;
            options.HostRequestBodySizeLimit = hostLimit;
        });
        if (configuration[ForwardingOptions.SectionName + ":" + nameof(ForwardingOptions.MaxRequestBodySize)] is null)
        {
            services.PostConfigure<ForwardingOptions>(options => options.MaxRequestBodySize = Math.Max(1, hostLimit - (1024 * 1024)));
        }

        return services;
    }

    /// <summary>
    /// For a host whose Kestrel faces clients (the standalone host): client connections are bounded
    /// (<see cref="ConnectionOptions"/>), and requests Kestrel refuses by itself, before any handler runs, get the documented
    /// body and a failure record instead of a bare status. Under Azure Functions the platform's front end holds client
    /// connections and refuses those requests before the worker sees them.
    /// </summary>
    public static IServiceCollection AddEdgeConnectionHandling(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<ConnectionOptions>().Bind(configuration.GetSection(ConnectionOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConnectionOptions>, ConnectionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IdleConnectionLimit>();
        services.TryAddSingleton<ServerRejectionAnswerer>();
        services.TryAddSingleton<EdgeConnectionSetup>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, EdgeConnectionSetup>(
            provider => provider.GetRequiredService<EdgeConnectionSetup>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, EdgeConnectionSetup>(
            provider => provider.GetRequiredService<EdgeConnectionSetup>()));
        return services;
    }
}
