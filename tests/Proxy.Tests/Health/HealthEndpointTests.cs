using System.Net;
using System.Text.Json;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Health;

/// <summary>
/// <c>GET /health</c> with each of the storage services gone in turn (a relay in front of it switched off): the state of
/// every dependency and the status code the platform acts on (with everything up: <see cref="HealthyEndpointTests"/>).
/// </summary>
public abstract class HealthEndpointTests(ProxyFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task TableServiceStopped_FailOpen_Degraded()
    {
        await using var table = TableRelay();
        await using var proxy = await StartProxyAsync(AzuriteProcess.ConnectionStringFor(table.BaseAddress.Port, fixture.Azurite.QueuePort));
        await WaitForAsync(proxy, HttpStatusCode.OK, "Healthy");

        table.Down();

        var body = await WaitForAsync(proxy, HttpStatusCode.OK, "Degraded");
        AssertCheck(body, "table", "Degraded", "fail-open");
        AssertCheck(body, "queue", "Healthy", "answers");
    }

    [Fact]
    public async Task TableServiceStopped_FailClosed_Unhealthy503_WithTheErrorBodysFields()
    {
        await using var table = TableRelay();
        await using var proxy = await StartProxyAsync(
            AzuriteProcess.ConnectionStringFor(table.BaseAddress.Port, fixture.Azurite.QueuePort), ("Proxy__Quota__FailureMode", "Closed"));
        await WaitForAsync(proxy, HttpStatusCode.OK, "Healthy");

        table.Down();

        var body = await WaitForAsync(proxy, HttpStatusCode.ServiceUnavailable, "Unhealthy");
        AssertCheck(body, "table", "Unhealthy", "fail-closed");
        AssertCheck(body, "queue", "Healthy", "answers");
        Assert.Equal(503, body.GetProperty("statusCode").GetInt32());
        Assert.Equal("Service unavailable", body.GetProperty("message").GetString());
        Assert.Equal("/health", body.GetProperty("path").GetString());
        Assert.Equal("Service unavailable", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task QueueServiceStopped_Degraded()
    {
        await using var queue = new SwitchableTcpRelay(new Uri($"http://127.0.0.1:{fixture.Azurite.QueuePort}"));
        await using var proxy = await StartProxyAsync(AzuriteProcess.ConnectionStringFor(fixture.Azurite.TablePort, queue.BaseAddress.Port));
        await WaitForAsync(proxy, HttpStatusCode.OK, "Healthy");

        queue.Down();

        var body = await WaitForAsync(proxy, HttpStatusCode.OK, "Degraded");
        AssertCheck(body, "queue", "Degraded", "connection refused");
        AssertCheck(body, "table", "Healthy", "answers");
    }

    [Fact]
    public async Task ManagedMode_KeysTableUnreachableBeforeItWasRead_Unhealthy503()
    {
        // The proxy reads the keys table as it starts, so "never read" is a table service down from the start.
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
        await using var table = TableRelay();
        await using var proxy = await StartProxyAsync(
            AzuriteProcess.ConnectionStringFor(table.BaseAddress.Port, fixture.Azurite.QueuePort),
            ("Proxy__Auth__Mode", "Managed"), ("Proxy__Upstream__ApiKey", ProxyFixture.UpstreamKey));
        using (var client = ProxyFixture.ClientFor(proxy))
        using (var unknownKey = await client.GetAsync("/v1/echo"))
        {
            // An unknown key, answered from a read of the table: the proxy now holds the keys it found.
            Assert.Equal(HttpStatusCode.Unauthorized, unknownKey.StatusCode);
        }

        table.Down();

        var body = await WaitForAsync(proxy, HttpStatusCode.OK, "Degraded");
        AssertCheck(body, "keys", "Degraded", "the keys read last keep serving");
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

    /// <summary>A relay in front of the run's table service: switched off, connections are refused and reset, as when the service stops.</summary>
    private SwitchableTcpRelay TableRelay() => new(new Uri($"http://127.0.0.1:{fixture.Azurite.TablePort}"));

    private Task<ProxyProcess> StartProxyAsync(string storage, params (string Name, string Value)[] extra) =>
        fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
        [
            ("AzureWebJobsStorage", storage),
            ("Proxy__Health__CacheDuration", "00:00:01"),
            ("Proxy__Quota__ProbeInterval", "00:00:00.250"),
            .. extra,
        ]);
}

public sealed class HealthEndpointTestsInProcess(InProcessFixture fixture, ITestOutputHelper output) : HealthEndpointTests(fixture, output), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class HealthEndpointTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : HealthEndpointTests(fixture, output);
