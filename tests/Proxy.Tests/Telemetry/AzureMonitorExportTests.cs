using System.Diagnostics;
using System.Net;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Telemetry;

/// <summary>
/// The Functions app with <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> set, as the Bicep sets it: it starts, keeps answering,
/// and posts its traces to the ingestion endpoint, the proxy's request span carrying the request id a client sees.
/// </summary>
[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class AzureMonitorExportTests(FunctionsHostFixture fixture)
{
    [Fact]
    public async Task AppWithAnApplicationInsightsConnectionString_KeepsAnswering_AndPostsTheRequestsSpan()
    {
        await using var ingestion = await FakeIngestion.StartAsync();
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("APPLICATIONINSIGHTS_CONNECTION_STRING", ingestion.ConnectionString),
            // Statsbeat reports to Microsoft's own endpoint, whatever the connection string says: nothing may leave the machine.
            ("APPLICATIONINSIGHTS_STATSBEAT_DISABLED", "true"));
        using var client = ProxyFixture.ClientFor(proxy);
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var traced = new HttpRequestMessage(HttpMethod.Get, "/v1/echo?export=first");
        traced.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");

        using var first = await client.SendAsync(traced);
        using var second = await client.GetAsync("/v1/echo?export=second");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var requestId = Assert.Single(first.Headers.GetValues("x-request-id"));
        await Eventually.TrueAsync(() => Task.FromResult(ingestion.Bodies.Any(body => body.Contains(requestId, StringComparison.Ordinal))),
            TimeSpan.FromSeconds(60), "the ingestion endpoint receives the span of request " + requestId);
        Assert.Contains(ingestion.Bodies, body => body.Contains("proxy.request", StringComparison.Ordinal));

        // The upstream's parent span is one the app recorded (the upstream call, child of the proxy's request span), in the
        // client's trace.
        var upstreamParent = fixture.Upstream.LastRequestTo("/v1/echo?export=first")!.Headers["traceparent"].Split('-');
        Assert.Equal(traceId, upstreamParent[1]);
        await Eventually.TrueAsync(() => Task.FromResult(ingestion.Bodies.Any(body => body.Contains(upstreamParent[2], StringComparison.Ordinal))),
            TimeSpan.FromSeconds(60), "the ingestion endpoint receives the span the upstream call was sent under");
        Assert.DoesNotContain(ProxyFixture.ClientKey, string.Concat(ingestion.Bodies), StringComparison.Ordinal);
    }
}
