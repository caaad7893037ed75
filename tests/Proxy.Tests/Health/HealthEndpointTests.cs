using System.Net;
using System.Text.Json;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Health;

/// <summary>
/// <c>GET /health</c> on both hosts, with each of Azurite's services stopped in turn (each runs as its own process here):
/// the state of every dependency, the status code the platform acts on, and nothing forwarded, counted or recorded.
/// </summary>
public abstract class HealthEndpointTests(ProxyFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(20);

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

    [Fact]
    public async Task TableServiceStopped_FailOpen_Degraded()
    {
        var table = await AzuriteProcess.StartTableServiceAsync();
        try
        {
            await using var proxy = await StartProxyAsync(AzuriteProcess.ConnectionStringFor(table.TablePort, fixture.Azurite.QueuePort));
            await WaitForAsync(proxy, HttpStatusCode.OK, "Healthy");

            await table.DisposeAsync();

            var body = await WaitForAsync(proxy, HttpStatusCode.OK, "Degraded");
            AssertCheck(body, "table", "Degraded", "fail-open");
            AssertCheck(body, "queue", "Healthy", "answers");
        }
        finally
        {
            await table.DisposeAsync();
        }
    }

    [Fact]
    public async Task TableServiceStopped_FailClosed_Unhealthy503_WithTheErrorBodysFields()
    {
        var table = await AzuriteProcess.StartTableServiceAsync();
        try
        {
            await using var proxy = await StartProxyAsync(
                AzuriteProcess.ConnectionStringFor(table.TablePort, fixture.Azurite.QueuePort), ("Proxy__Quota__FailureMode", "Closed"));
            await WaitForAsync(proxy, HttpStatusCode.OK, "Healthy");

            await table.DisposeAsync();

            var body = await WaitForAsync(proxy, HttpStatusCode.ServiceUnavailable, "Unhealthy");
            AssertCheck(body, "table", "Unhealthy", "fail-closed");
            AssertCheck(body, "queue", "Healthy", "answers");
            Assert.Equal(503, body.GetProperty("statusCode").GetInt32());
            Assert.Equal("Service unavailable", body.GetProperty("message").GetString());
            Assert.Equal("/health", body.GetProperty("path").GetString());
            Assert.Equal("Service unavailable", body.GetProperty("error").GetProperty("message").GetString());
        }
        finally
        {
            await table.DisposeAsync();
        }
    }

    [Fact]
    public async Task QueueServiceStopped_Degraded()
    {
        var queue = await AzuriteProcess.StartQueueServiceAsync();
        try
        {
            await using var proxy = await StartProxyAsync(AzuriteProcess.ConnectionStringFor(fixture.Azurite.TablePort, queue.QueuePort));
            await WaitForAsync(proxy, HttpStatusCode.OK, "Healthy");

            await queue.DisposeAsync();

            var body = await WaitForAsync(proxy, HttpStatusCode.OK, "Degraded");
            AssertCheck(body, "queue", "Degraded", "connection refused");
            AssertCheck(body, "table", "Healthy", "answers");
        }
        finally
        {
            await queue.DisposeAsync();
        }
    }

    [Fact]
    public async Task ManagedMode_KeysTableUnreachableBeforeItWasRead_Unhealthy503()
    {
        // The proxy reads the keys table as it starts (issue 14), so "never read" is a table service down from the start.
        await using var proxy = await StartProxyAsync(
            AzuriteProcess.ConnectionStringFor(LoopbackPort.Unused(), fixture.Azurite.QueuePort),
            ("Proxy__Auth__Mode", "Managed"), ("Proxy__Upstream__ApiKey", ProxyFixture.UpstreamKey));

        // Fail-open counts uncounted, but no key can be told from an unknown one: every request would get 503.
        var body = await WaitForAsync(proxy, HttpStatusCode.ServiceUnavailable, "Unhealthy");
        AssertCheck(body, "keys", "Unhealthy", "has not been read since start");
        Assert.DoesNotContain(ProxyFixture.UpstreamKey, body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManagedMode_KeysTableUnreachableAfterItWasRead_Degraded()
    {
        var table = await AzuriteProcess.StartTableServiceAsync();
        try
        {
            await using var proxy = await StartProxyAsync(
                AzuriteProcess.ConnectionStringFor(table.TablePort, fixture.Azurite.QueuePort),
                ("Proxy__Auth__Mode", "Managed"), ("Proxy__Upstream__ApiKey", ProxyFixture.UpstreamKey));
            using (var client = ProxyFixture.ClientFor(proxy))
            using (var unknownKey = await client.GetAsync("/v1/echo"))
            {
                // An unknown key, answered from a read of the table: the proxy now holds the keys it found.
                Assert.Equal(HttpStatusCode.Unauthorized, unknownKey.StatusCode);
            }

            await table.DisposeAsync();

            var body = await WaitForAsync(proxy, HttpStatusCode.OK, "Degraded");
            AssertCheck(body, "keys", "Degraded", "the keys read last keep serving");
        }
        finally
        {
            await table.DisposeAsync();
        }
    }

    private static void AssertCheck(JsonElement body, string name, string status, string describedAs)
    {
        var check = body.GetProperty("checks").GetProperty(name);
        Assert.Equal(status, check.GetProperty("status").GetString());
        Assert.Contains(describedAs, check.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Polls /health until it answers <paramref name="status"/> with <paramref name="state"/>; its last body.</summary>
    private async Task<JsonElement> WaitForAsync(ProxyProcess proxy, HttpStatusCode status, string state)
    {
        using var client = ProxyFixture.ClientFor(proxy, withKey: false);
        JsonElement last = default;
        await Eventually.TrueAsync(async () =>
        {
            using var response = await client.GetAsync("/health");
            last = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            output.WriteLine($"{(int)response.StatusCode} {last.GetRawText()}");
            return response.StatusCode == status && last.GetProperty("status").GetString() == state;
        }, s_settle, $"/health answers {(int)status} {state}");
        return last;
    }

    private Task<ProxyProcess> StartProxyAsync(string storage, params (string Name, string Value)[] extra) =>
        fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
        [
            ("AzureWebJobsStorage", storage),
            ("Proxy__Health__CacheDuration", "00:00:01"),
            ("Proxy__Quota__ProbeInterval", "00:00:00.250"),
            .. extra,
        ]);
}

[Collection(OnStandaloneHost.Name)]
public sealed class HealthEndpointTestsOnStandaloneHost(StandaloneHostFixture fixture, ITestOutputHelper output) : HealthEndpointTests(fixture, output);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
public sealed class HealthEndpointTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : HealthEndpointTests(fixture, output);
