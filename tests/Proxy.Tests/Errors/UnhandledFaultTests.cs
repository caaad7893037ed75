using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Proxy.Failures;
using Proxy.Tests.Infrastructure;
using Yarp.ReverseProxy.Forwarder;

namespace Proxy.Tests.Errors;

/// <summary>A fault inside the proxy is a 500 with the documented body and nothing of the fault in it.</summary>
public sealed class UnhandledFaultTests
{
    private sealed class FaultingForwarder : IHttpForwarder
    {
        public ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient,
            ForwarderRequestConfig requestConfig, HttpTransformer transformer) =>
            throw new InvalidOperationException("AccountKey=secret; connection string leaked " + ProxyFixture.ClientKey);

        public ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient,
            ForwarderRequestConfig requestConfig, HttpTransformer transformer, CancellationToken cancellationToken) =>
            SendAsync(context, destinationPrefix, httpClient, requestConfig, transformer);
    }

    [Fact]
    public async Task HandleAsync_FaultInsideTheProxy_Gives500WithNothingOfTheFault()
    {
        using var services = HandlerHarness.BuildServices(s => s.AddSingleton<IHttpForwarder, FaultingForwarder>());
        var context = HandlerHarness.NewContext("POST", "/v1/chat/completions");

        await services.GetRequiredService<ProxyRequestHandler>().HandleAsync(context);

        Assert.Equal(500, context.Response.StatusCode);
        var text = System.Text.Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
        Assert.DoesNotContain("AccountKey", text, StringComparison.Ordinal);
        Assert.DoesNotContain(ProxyFixture.ClientKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        var body = HandlerHarness.ReadJsonBody(context);
        Assert.Equal("Internal server error", body.GetProperty("message").GetString());
        Assert.Equal(500, body.GetProperty("statusCode").GetInt32());
        Assert.Equal("/v1/chat/completions", body.GetProperty("path").GetString());

        Assert.True(services.GetRequiredService<FailureReporter>().Keyed.TryRead(out var record));
        Assert.Equal(("internal", 500, "Internal server error"), (record.Kind, record.StatusCode, record.Message));
        Assert.Equal(body.GetProperty("requestId").GetString(), record.RequestId);
    }
}
