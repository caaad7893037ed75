using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Telemetry;

/// <summary>
/// The standalone host's Prometheus scrape endpoint: off unless <c>Proxy__Telemetry__PrometheusEndpoint</c> is set, then on
/// a listener of its own, which a real Prometheus scrapes and whose counts its query API returns exactly.
/// </summary>
[Collection(OnStandaloneHost.Name)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class PrometheusEndpointTests(StandaloneHostFixture fixture)
{
    private const string Setting = "Proxy__Telemetry__PrometheusEndpoint";

    [Fact]
    public async Task Prometheus_ScrapingTheHost_ReturnsTheCountsOfTheRequestsMade()
    {
        var metricsPort = LoopbackPort.Unused();
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            (Setting, $"http://127.0.0.1:{metricsPort}"), ("Proxy__Quota__FreeRequestsPerHour", "3"));
        await using var prometheus = await PrometheusServer.StartAsync(metricsPort);
        using var client = ProxyFixture.ClientFor(proxy, withKey: false);
        client.DefaultRequestHeaders.Authorization = new("Bearer", "sk-prometheus-" + Guid.NewGuid().ToString("N"));

        // Until the quota refuses one: a fresh proxy's first request may be admitted uncounted while the store warms up, so
        // how many succeed is what the test saw, not a figure it assumes.
        var succeeded = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await client.GetAsync("/v1/echo?prometheus=" + succeeded.ToString(CultureInfo.InvariantCulture));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                break;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            succeeded++;
            Assert.True(DateTime.UtcNow < deadline, "the quota refused a request within 30 s");
        }

        using (var notFound = await client.GetAsync("/not-an-api-path"))
        {
            Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        }

        var expected = new Dictionary<string, double>
        {
            ["sum(proxy_requests_total{http_response_status_code=\"200\"})"] = succeeded,
            ["sum(proxy_requests_total{http_response_status_code=\"429\",error_type=\"quota_exceeded\"})"] = 1,
            ["sum(proxy_requests_total{http_response_status_code=\"404\",error_type=\"not_found\"})"] = 1,
            ["sum(proxy_requests_total)"] = succeeded + 2,
            ["sum(proxy_quota_decisions_total{proxy_quota_decision=\"exhausted\"})"] = 1,
            ["sum(proxy_quota_decisions_total{proxy_quota_decision=~\"admitted|store_unavailable\"})"] = succeeded,
            ["sum(proxy_upstream_duration_seconds_count{http_response_status_code=\"200\"})"] = succeeded,
            ["sum(proxy_upstream_time_to_first_byte_seconds_count)"] = succeeded,
        };
        var seen = new Dictionary<string, double?>();
        await Eventually.TrueAsync(async () =>
        {
            foreach (var query in expected.Keys)
            {
                seen[query] = await prometheus.QueryAsync(query);
            }

            return expected.All(pair => seen[pair.Key] == pair.Value);
        }, TimeSpan.FromSeconds(60), "Prometheus returns the test's counts");

        Assert.Equal("up", await prometheus.TargetHealthAsync());
        Assert.All(expected, pair => Assert.Equal(pair.Value, seen[pair.Key]));
    }

    [Fact]
    public async Task ScrapeEndpoint_IsOffByDefault_AndMetricsOnTheProxysPortIsAnUnknownPathNotForwarded()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);

        using var response = await client.GetAsync("/metrics");

        await ErrorBodyAssert.MatchesAsync(response, 404, "/metrics", "Not Found: the path is outside");
        Assert.Null(fixture.Upstream.LastRequestTo("/metrics"));
        Assert.Null(LogLines.Find(fixture.Proxy, "[5100]"));
    }

    [Fact]
    public async Task ScrapeEndpoint_WhenOn_ServesTheMetricsOnItsOwnPort_AndAScrapeIsNeitherCountedNorForwardedNorLogged()
    {
        var metricsPort = LoopbackPort.Unused();
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, (Setting, $"http://127.0.0.1:{metricsPort}"));
        await LogLines.WaitForAsync(proxy, "[5100]", $"Metrics for Prometheus at http://127.0.0.1:{metricsPort}/metrics");
        using var scraper = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };

        var first = await scraper.GetStringAsync("/metrics");
        var second = await scraper.GetStringAsync("/metrics");

        // The gauges are there from the start; no request series at all, however often it is scraped.
        Assert.Contains("# TYPE proxy_failures_buffered gauge", first, StringComparison.Ordinal);
        Assert.Contains("proxy_quota_circuit_state{", first, StringComparison.Ordinal);
        Assert.DoesNotContain("proxy_requests_total{", second, StringComparison.Ordinal);
        Assert.Null(LogLines.Find(proxy, "[1200]"));
        Assert.Null(fixture.Upstream.LastRequestTo("/metrics"));
        using (var other = await scraper.GetAsync("/v1/echo"))
        {
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }

        // A key on the proxy's port reaches no metrics: /metrics there is a path like any other outside the API.
        using var client = ProxyFixture.ClientFor(proxy);
        using (var onProxyPort = await client.GetAsync("/metrics"))
        {
            await ErrorBodyAssert.MatchesAsync(onProxyPort, 404, "/metrics", "Not Found: the path is outside");
        }

        using (var echo = await client.GetAsync("/v1/echo?scrape=counted"))
        {
            Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        }

        // A 200 stream that carried an error event counts as the stream_error its record is.
        using (var stream = await client.GetAsync("/v1/sse-error"))
        {
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            await stream.Content.ReadAsStringAsync();
        }

        // A request is counted once its answer is written, and the exporter may answer from a scrape a moment old.
        var ok = new Regex("""(?m)^proxy_requests_total\{otel_scope_name="Proxy",http_response_status_code="200"\} 1$""");
        var notFound = new Regex("""(?m)^proxy_requests_total\{[^}]*error_type="not_found"[^}]*\} 1$""");
        var streamError = new Regex("""(?m)^proxy_requests_total\{[^}]*error_type="stream_error"[^}]*http_response_status_code="200"[^}]*\} 1$""");
        var after = string.Empty;
        await Eventually.TrueAsync(async () =>
            ok.IsMatch(after = await scraper.GetStringAsync("/metrics")) && notFound.IsMatch(after) && streamError.IsMatch(after),
            TimeSpan.FromSeconds(10), "the scrape shows the one success, the one 404 and the one stream error");
        Assert.Equal(3, Regex.Count(after, "(?m)^proxy_requests_total{"));
    }

    [Fact]
    public async Task Tokens_TheUpstreamReportedInItsUsage_AreCountedByType()
    {
        var metricsPort = LoopbackPort.Unused();
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, (Setting, $"http://127.0.0.1:{metricsPort}"));
        await LogLines.WaitForAsync(proxy, "[5100]", $"Metrics for Prometheus at http://127.0.0.1:{metricsPort}/metrics");
        using var scraper = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        using var client = ProxyFixture.ClientFor(proxy);

        for (var i = 0; i < 2; i++)
        {
            using var completion = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "gpt-4o", messages = new[] { new { role = "user", content = "Hi" } } });
            Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
            await completion.Content.ReadAsStringAsync();
        }

        var input = new Regex($$"""(?m)^proxy_tokens_total\{[^}]*gen_ai_token_type="input"[^}]*\} {{2 * FakeUpstream.PromptTokens}}$""");
        var output = new Regex($$"""(?m)^proxy_tokens_total\{[^}]*gen_ai_token_type="output"[^}]*\} {{2 * FakeUpstream.CompletionTokens}}$""");
        var scrape = string.Empty;
        await Eventually.TrueAsync(async () => input.IsMatch(scrape = await scraper.GetStringAsync("/metrics")) && output.IsMatch(scrape),
            TimeSpan.FromSeconds(10), "the scrape shows the two answers' prompt and completion tokens");
    }

    [Fact]
    public async Task ScrapeEndpointOnAPortInUse_StopsTheHostNamingTheSetting()
    {
        using var holder = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var settings = fixture.SettingsFor(fixture.Upstream.BaseAddress);
        settings[Setting] = $"http://127.0.0.1:{((IPEndPoint)holder.LocalEndpoint).Port}";

        var (exitCode, output) = await StandaloneProxyProcess.RunToExitAsync(settings, "--urls", "http://127.0.0.1:0");

        Assert.Equal(1, exitCode);
        Assert.Contains("The proxy did not start: Proxy__Telemetry__PrometheusEndpoint cannot be listened on:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScrapeEndpointThatIsNotAnAddressWithAPort_StopsTheHostNamingTheSetting()
    {
        var settings = fixture.SettingsFor(fixture.Upstream.BaseAddress);
        settings[Setting] = "http://127.0.0.1/metrics";

        var (exitCode, output) = await StandaloneProxyProcess.RunToExitAsync(settings, "--urls", "http://127.0.0.1:0");

        Assert.Equal(1, exitCode);
        Assert.Contains("The proxy did not start: Proxy__Telemetry__PrometheusEndpoint must be an http address with a port", output, StringComparison.Ordinal);
    }
}
