using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Proxy.Tests.Infrastructure;

/// <summary>The core as a host registers it, for handler-level tests on a <see cref="DefaultHttpContext"/>.</summary>
internal static class HandlerHarness
{
    public static ServiceProvider BuildServices(Action<IServiceCollection>? replace = null, Uri? upstream = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Proxy:Upstream:BaseUrl"] = (upstream ?? new Uri($"http://127.0.0.1:{LoopbackPort.Unused()}")).ToString(),

                // Handler-level tests are not about storage: a store nobody listens on sends them down the fail-open path.
                ["AzureWebJobsStorage"] = AzuriteProcess.ConnectionStringFor(tablePort: LoopbackPort.Unused()),
            })
            .Build();
        var services = new ServiceCollection().AddLogging();
        services.AddProxy(configuration);
        replace?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public static DefaultHttpContext NewContext(string method, string path, string? apiKey = ProxyFixture.ClientKey)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1");
        context.Request.Path = path;
        if (apiKey is not null)
        {
            context.Request.Headers.Authorization = "Bearer " + apiKey;
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    public static JsonElement ReadJsonBody(HttpContext context)
    {
        var body = (MemoryStream)context.Response.Body;
        return JsonDocument.Parse(Encoding.UTF8.GetString(body.ToArray())).RootElement.Clone();
    }
}
