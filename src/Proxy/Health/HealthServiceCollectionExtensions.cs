using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy.Auth;

namespace Proxy.Health;

/// <summary>Registers <c>/health</c>: its options, one check per dependency, and the endpoint the request handler dispatches to.</summary>
internal static class HealthServiceCollectionExtensions
{
    public const string TableCheck = "table";
    public const string QueueCheck = "queue";
    public const string KeysCheck = "keys";

    public static IServiceCollection AddProxyHealth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HealthOptions>().Bind(configuration.GetSection(HealthOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HealthOptions>, HealthOptionsValidator>());

        // Singletons, so that each check's cached probe outlives the health request that used it.
        services.TryAddSingleton<TableStorageHealthCheck>();
        services.TryAddSingleton<FailureQueueHealthCheck>();
        services.TryAddSingleton<KeysTableHealthCheck>();
        services.AddHealthChecks()
            .AddCheck<TableStorageHealthCheck>(TableCheck)
            .AddCheck<FailureQueueHealthCheck>(QueueCheck);

        // Only managed mode reads the keys table.
        services.AddOptions<HealthCheckServiceOptions>().Configure<IOptions<AuthOptions>>((checks, auth) =>
        {
            if (auth.Value.Mode == AuthMode.Managed)
            {
                checks.Registrations.Add(new HealthCheckRegistration(
                    KeysCheck, provider => provider.GetRequiredService<KeysTableHealthCheck>(), HealthStatus.Unhealthy, tags: null));
            }
        });
        services.TryAddSingleton(provider => new HealthEndpoint(provider.GetRequiredService<HealthCheckService>(), provider.GetRequiredService<TimeProvider>()));

        // The health service logs every check that is not healthy, at each call: a client polling /health while the store is
        // down would write a line per call. The store's state is logged by its circuit, at a bounded rate.
        services.AddLogging(logging => logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None));
        return services;
    }
}
