using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Proxy.Functions;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Functions;

/// <summary>The function is a thin trigger: whatever it is handed reaches the core, which answers.</summary>
public sealed class ProxyFunctionTests
{
    [Fact]
    public async Task RunAsync_PathOutsidePrefixes_IsAnsweredByTheCoreWith404()
    {
        using var services = HandlerHarness.BuildServices();
        var function = new ProxyFunction(services.GetRequiredService<ProxyRequestHandler>());
        var context = HandlerHarness.NewContext("GET", "/not-proxied");

        await function.RunAsync(context.Request);

        Assert.Equal(StatusCodes.Status404NotFound, context.Response.StatusCode);
        var body = HandlerHarness.ReadJsonBody(context);
        Assert.Equal(404, body.GetProperty("statusCode").GetInt32());
        Assert.Equal("/not-proxied", body.GetProperty("path").GetString());
        Assert.StartsWith("Not Found: ", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PathUnderPrefix_IsForwardedByTheCore()
    {
        using var services = HandlerHarness.BuildServices();
        var function = new ProxyFunction(services.GetRequiredService<ProxyRequestHandler>());
        var context = HandlerHarness.NewContext("GET", "/v1/models");

        await function.RunAsync(context.Request);

        // Nobody listens upstream: the core tried to forward, and said so in the documented shape.
        Assert.Equal(StatusCodes.Status502BadGateway, context.Response.StatusCode);
        Assert.Equal("Bad Gateway: the upstream could not be reached.", HandlerHarness.ReadJsonBody(context).GetProperty("message").GetString());
    }
}
