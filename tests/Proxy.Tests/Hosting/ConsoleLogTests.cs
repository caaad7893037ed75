using System.Text.Json;
using System.Text.RegularExpressions;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Hosting;

/// <summary>
/// The standalone host's console log is one an operator or a log shipper can run by: UTC ISO 8601 timestamps, JSON when
/// asked for, and one start-up line that says what this process runs with and nothing secret.
/// </summary>
public sealed partial class ConsoleLogTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    [Fact]
    public async Task JsonFormatter_EveryLineIsJsonWithAUtcTimestamp_AndTheStartupSummaryNamesNoKey()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("Logging__Console__FormatterName", "json"), ("Proxy__Upstream__ApiKey", ProxyFixture.UpstreamKey));
        using var client = ProxyFixture.ClientFor(proxy);
        using var _ = await client.GetAsync("/v1/errors/openai/500");
        await LogLines.WaitForAsync(proxy, "Failure upstream_error (500)");

        var entries = proxy.Output.Select(line => JsonDocument.Parse(line).RootElement).ToList();

        Assert.All(entries, entry => Assert.Matches(IsoUtc(), entry.GetProperty("Timestamp").GetString()!));
        var summary = Assert.Single(entries, entry => entry.GetProperty("EventId").GetInt32() == 1100).GetProperty("Message").GetString()!;
        Assert.Contains($"upstream {fixture.Upstream.BaseAddress.GetLeftPart(UriPartial.Authority)} with the configured key, auth PassThrough", summary, StringComparison.Ordinal);
        Assert.Contains("limits free unlimited", summary, StringComparison.Ordinal);
        Assert.DoesNotContain(proxy.Output, line => line.Contains(ProxyFixture.UpstreamKey, StringComparison.Ordinal) || line.Contains("AccountKey", StringComparison.Ordinal));
        Assert.Contains(entries, entry => entry.GetProperty("Message").GetString()!.StartsWith("Failure upstream_error (500)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartupSummary_EndpointsWithUserInfoAndQuery_PrintsSchemeHostPortAndPathOnly()
    {
        var upstream = fixture.Upstream.BaseAddress;
        var storage = SecretBearingEndpoints.InConnectionString(AzuriteProcess.ConnectionStringFor(fixture.Azurite.TablePort, fixture.Azurite.QueuePort));
        await using var proxy = await fixture.StartProxyAsync(upstream,
            ("Proxy__Upstream__BaseUrl", $"http://upuser:{SecretBearingEndpoints.Password}@{upstream.Authority}/"), ("AzureWebJobsStorage", storage));

        var summary = await LogLines.WaitForAsync(proxy, "[1100]");

        Assert.Contains($"upstream http://{upstream.Authority} with the client's key", summary, StringComparison.Ordinal);
        Assert.Contains($"tables http://127.0.0.1:{fixture.Azurite.TablePort}/devstoreaccount1, ", summary, StringComparison.Ordinal);
        Assert.Contains($"failure queue http://127.0.0.1:{fixture.Azurite.QueuePort}/devstoreaccount1 ", summary, StringComparison.Ordinal);
        SecretBearingEndpoints.AssertNoneIn(proxy.Output);
    }

    [Fact]
    public async Task SimpleFormatter_EveryLineStartsWithAUtcTimestamp()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress);

        Assert.NotEmpty(proxy.Output);
        Assert.All(proxy.Output, line => Assert.Matches(LineStartingWithIsoUtc(), line));
    }

    [Fact]
    public async Task SimpleFormatterByDefault_WritesEachEventOnOneLine()
    {
        // The harness asks for single lines; an empty value is what the host sees when the setting is not given.
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Logging__Console__FormatterOptions__SingleLine", string.Empty));
        using var client = ProxyFixture.ClientFor(proxy);
        using var response = await client.GetAsync("/v1/errors/openai/500");
        var requestId = Assert.Single(response.Headers.GetValues("x-request-id"));

        var line = await LogLines.WaitForAsync(proxy, "[1200]", requestId);

        Assert.Matches(LineStartingWithIsoUtc(), line);
        Assert.All(proxy.Output, output => Assert.Matches(LineStartingWithIsoUtc(), output));
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex IsoUtc();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (info|warn|fail|crit|dbug|trce): ")]
    private static partial Regex LineStartingWithIsoUtc();
}
