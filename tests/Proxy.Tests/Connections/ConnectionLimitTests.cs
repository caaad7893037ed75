using System.Diagnostics;
using System.Net;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Connections;

/// <summary>
/// The standalone host's Kestrel faces clients, so its connections are bounded by the proxy's own limits: an attacker's
/// idle connections cannot use up the process's file descriptors, and it keeps answering everyone else. (Under Azure
/// Functions the platform's front end holds client connections.)
/// </summary>
[Collection(OnStandaloneHost.Name)]
public sealed class ConnectionLimitTests(StandaloneHostFixture fixture, ITestOutputHelper output)
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

    [Fact]
    public async Task AFloodOfFreshIdleConnections_ClosesThoseBeforeAClientsKeptAliveConnection()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Proxy__Connections__MaxIdleConnections", "5"));
        using var handler = new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1 };
        var connections = 0;
        handler.ConnectCallback = async (context, cancellationToken) =>
        {
            Interlocked.Increment(ref connections);
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        };
        using var client = new HttpClient(handler) { BaseAddress = proxy.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", ProxyFixture.ClientKey);

        using (var first = await client.GetAsync("/v1/echo"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        // Twice the idle limit of connections that never send a request, each newer than the client's idle connection.
        await using var flood = IdleConnectionFlood.Start(proxy.Port, 10);
        var opened = await flood.OpenedAsync(s_floodBound);
        var held = await flood.ReportAsync(s_floodBound);

        using var second = await client.GetAsync("/v1/echo");
        output.WriteLine($"{opened.Connected} fresh idle connections accepted, {held.Open} still open; the kept-alive client's " +
            $"second request: {(int)second.StatusCode} on connection {connections} of its own");

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(1, connections);
        Assert.InRange(held.Open, 0, 4);
    }
}
