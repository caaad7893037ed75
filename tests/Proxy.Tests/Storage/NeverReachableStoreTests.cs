using System.Net;
using System.Text.Json;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Storage;

/// <summary>
/// A storage setting that points nowhere, or at an account that refuses the key, is an error an operator sees at once:
/// one error line with the endpoint and the cause class (never the key), repeated at most once a minute, and the same
/// cause in <c>/health</c>. Standalone host only: the Functions host relays the worker's lines from outside
/// an invocation only now and then.
/// </summary>
public sealed class NeverReachableStoreTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    // The well-known development account key, as the connection strings below carry it.
    private const string DevelopmentKeyStart = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50";

    [Fact]
    public async Task ClosedPort_OneErrorLineWithTheEndpointAndConnectionRefused_AndHealthSaysSo()
    {
        var tablePort = LoopbackPort.Unused();
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("AzureWebJobsStorage", AzuriteProcess.ConnectionStringFor(tablePort, fixture.Azurite.QueuePort)),
            ("Proxy__Quota__ProbeInterval", "00:00:00.100"));
        var expected = $"fail: Proxy.Storage.TableStoreCircuit[2002] Table storage at http://127.0.0.1:{tablePort}/devstoreaccount1 " +
            "has not answered since start (connection refused): check AzureWebJobsStorage.";

        await Eventually.TrueAsync(() => Task.FromResult(proxy.Output.Any(line => line.Contains(expected, StringComparison.Ordinal))),
            TimeSpan.FromSeconds(15), "the error line for a store never reached");

        // Probed ten times a second, and still one line: the next is due a minute after the first (TableStoreCircuitTests
        // moves a clock through that minute).
        using var client = ProxyFixture.ClientFor(proxy);
        using (var admitted = await client.GetAsync("/v1/echo"))
        {
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        }

        Assert.Single(proxy.Output, line => line.Contains("[2002]", StringComparison.Ordinal));
        Assert.DoesNotContain(proxy.Output, line => line.Contains("Table storage did not answer", StringComparison.Ordinal));
        AssertNoKey(proxy);

        var table = (await HealthAsync(proxy)).GetProperty("checks").GetProperty("table");
        Assert.Equal("Degraded", table.GetProperty("status").GetString());
        Assert.StartsWith("has not answered since start (connection refused)", table.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClosedPort_EndpointWithUserInfoAndQuery_TheErrorLineNamesSchemeHostPortAndPathOnly()
    {
        var tablePort = LoopbackPort.Unused();
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("AzureWebJobsStorage", SecretBearingEndpoints.InConnectionString(AzuriteProcess.ConnectionStringFor(tablePort, fixture.Azurite.QueuePort))));

        var line = await LogLines.WaitForAsync(proxy, "[2002]");

        // The SDK does not take a query in an endpoint: the cause is then an unexpected error, and the line still names the endpoint.
        Assert.True(line.Contains($"Table storage at http://127.0.0.1:{tablePort}/devstoreaccount1 has not answered since start (", StringComparison.Ordinal), line);
        SecretBearingEndpoints.AssertNoneIn(proxy.Output);
    }

    [Fact]
    public async Task ManagedMode_ClosedPort_TheErrorLineSaysEveryRequestIsRefused_AndHealthIs503()
    {
        var tablePort = LoopbackPort.Unused();
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("AzureWebJobsStorage", AzuriteProcess.ConnectionStringFor(tablePort, fixture.Azurite.QueuePort)),
            ("Proxy__Auth__Mode", "Managed"), ("Proxy__Upstream__ApiKey", ProxyFixture.UpstreamKey));
        var expected = $"Table storage at http://127.0.0.1:{tablePort}/devstoreaccount1 has not answered since start (connection refused): " +
            "check AzureWebJobsStorage. Until it answers, no key can be read and every request is refused with 503 (managed mode)";

        await Eventually.TrueAsync(() => Task.FromResult(proxy.Output.Any(line => line.Contains(expected, StringComparison.Ordinal) && line.Contains("fail:", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(15), "the error line for a keys table never reached");
        using var client = ProxyFixture.ClientFor(proxy);
        using (var refused = await client.GetAsync("/v1/echo"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        AssertNoKey(proxy);
        Assert.DoesNotContain(proxy.Output, line => line.Contains(ProxyFixture.UpstreamKey, StringComparison.Ordinal));
        var health = await HealthAsync(proxy);
        Assert.Equal("Unhealthy", health.GetProperty("status").GetString());
        Assert.StartsWith("has not been read since start (connection refused)",
            health.GetProperty("checks").GetProperty("keys").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongAccountKey_ErrorLineSaysAuthenticationFailed_WithoutTheKey()
    {
        var wrongKey = Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray());
        var storage = AzuriteProcess.ConnectionStringFor(fixture.Azurite.TablePort, fixture.Azurite.QueuePort).Replace(DevelopmentKeyStart, wrongKey[..DevelopmentKeyStart.Length], StringComparison.Ordinal);
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("AzureWebJobsStorage", storage));
        var expected = $"Table storage at http://127.0.0.1:{fixture.Azurite.TablePort}/devstoreaccount1 has not answered since start (authentication failed (403))";

        await Eventually.TrueAsync(() => Task.FromResult(proxy.Output.Any(line => line.Contains(expected, StringComparison.Ordinal) && line.Contains("fail:", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(15), "the error line for an account that refuses the key");
        Assert.DoesNotContain(proxy.Output, line => line.Contains(wrongKey[..20], StringComparison.Ordinal));
        AssertNoKey(proxy);

        var table = (await HealthAsync(proxy)).GetProperty("checks").GetProperty("table");
        Assert.Contains("authentication failed (403)", table.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    private static void AssertNoKey(ProxyProcess proxy) =>
        Assert.DoesNotContain(proxy.Output, line => line.Contains("AccountKey", StringComparison.OrdinalIgnoreCase) ||
            line.Contains(DevelopmentKeyStart, StringComparison.Ordinal) || line.Contains(ProxyFixture.ClientKey, StringComparison.Ordinal));

    private static async Task<JsonElement> HealthAsync(ProxyProcess proxy)
    {
        using var client = ProxyFixture.ClientFor(proxy, withKey: false);
        using var response = await client.GetAsync("/health");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
