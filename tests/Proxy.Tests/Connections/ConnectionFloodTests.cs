using System.Diagnostics;
using System.Net;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Connections;

/// <summary>
/// The standalone host's connection limits against a flood at the scale an attacker would send it, measured on the host's
/// own process: it holds at most the idle limit, its memory stays bounded, and it keeps answering everyone else.
/// </summary>
[Collection(OnStandaloneHost.Name)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class ConnectionFloodTests(StandaloneHostFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan s_floodBound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task TwentyThousandIdleConnections_WithTheDefaults_TheProcessHoldsAtMostTheIdleLimit_AndKeepsAnswering()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress);
        using var memory = new MemorySampler(proxy);
        var clock = Stopwatch.StartNew();

        // Two processes of 10,000: each stays under this machine's open-file limit of its own.
        await using var first = IdleConnectionFlood.Start(proxy.Port, 10_000);
        await using var second = IdleConnectionFlood.Start(proxy.Port, 10_000);
        var reports = await Task.WhenAll(first.OpenedAsync(s_floodBound), second.OpenedAsync(s_floodBound));
        var floodTime = clock.Elapsed;

        var answers = new List<HttpStatusCode>();
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < 20; i++)
        {
            // A fresh connection each time, as a new client would open.
            using var client = ProxyFixture.ClientFor(proxy);
            client.Timeout = TimeSpan.FromSeconds(15);
            var answered = Stopwatch.StartNew();
            using var response = await client.GetAsync("/v1/echo");
            answers.Add(response.StatusCode);
            slowest = TimeSpan.FromTicks(Math.Max(slowest.Ticks, answered.Elapsed.Ticks));
        }

        var held = (await first.ReportAsync(s_floodBound)).Open + (await second.ReportAsync(s_floodBound)).Open;
        var peak = memory.Stop();
        output.WriteLine($"{reports.Sum(report => report.Attempted)} idle connections attempted in {floodTime.TotalSeconds:F1} s, " +
            $"{reports.Sum(report => report.Connected)} accepted, {held} still held open by the proxy afterwards (bound 1000); " +
            $"20 requests on fresh connections: {answers.Count(status => status == HttpStatusCode.OK)} answered 200, slowest {slowest.TotalMilliseconds:F0} ms; " +
            $"peak RSS {peak / (1024 * 1024)} MiB");

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.InRange(held, 0, 1000);
        Assert.DoesNotContain(proxy.Output, line => line.Contains("Out of memory", StringComparison.OrdinalIgnoreCase) || line.Contains("crit:", StringComparison.Ordinal));
    }
}
