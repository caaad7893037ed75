using System.Net;
using System.Text.Json;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Health;

/// <summary>
/// <c>GET /health</c> with everything up, on each host: healthy without a key, and nothing forwarded, counted or recorded.
/// </summary>
public abstract class HealthyEndpointTests(ProxyFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task AllUp_Healthy_WithoutAKey_NeitherForwardedNorRecorded()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy, withKey: false);

        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var requestId = Assert.Single(response.Headers.GetValues("x-request-id"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        output.WriteLine(body.RootElement.GetRawText());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        var checks = body.RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("table").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("queue").GetProperty("status").GetString());
        Assert.False(checks.TryGetProperty("keys", out _), "pass-through mode reads no keys table");
        Assert.False(body.RootElement.TryGetProperty("statusCode", out _), "a healthy answer is not an error body");

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/health"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        // A refused request after it: once its record is on the queue, the health request's would be too.
        using var refused = await client.GetAsync("/not-an-api-path");
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        await fixture.Failures.WaitForAsync(Assert.Single(refused.Headers.GetValues("x-request-id")));
        Assert.Empty(fixture.Failures.RecordsFor(requestId));
        Assert.DoesNotContain(fixture.Proxy.Output, line => line.Contains(requestId, StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.Upstream.Requests, request => request.Target.StartsWith("/health", StringComparison.Ordinal));
    }
}

public sealed class HealthyEndpointTestsInProcess(InProcessFixture fixture, ITestOutputHelper output) : HealthyEndpointTests(fixture, output), IClassFixture<InProcessFixture>;

[Collection(OnStandaloneHost.Name)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class HealthyEndpointTestsOnStandaloneHost(StandaloneHostFixture fixture, ITestOutputHelper output) : HealthyEndpointTests(fixture, output);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class HealthyEndpointTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : HealthyEndpointTests(fixture, output);
