using System.Globalization;
using System.Net;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Connections;

/// <summary>
/// The standalone host's Kestrel faces clients, so its connections are bounded by the proxy's own limits: an attacker's
/// idle connections cannot use up the process's file descriptors, and it keeps answering everyone else. (Under Azure
/// Functions the platform's front end holds client connections.)
/// </summary>
public sealed class ConnectionLimitTests(InProcessFixture fixture, ITestOutputHelper output) : IClassFixture<InProcessFixture>
{
    private static readonly TimeSpan s_floodBound = TimeSpan.FromSeconds(90);

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

        // Connections a busy test process has not yet accepted are still open to the flood: asked until the proxy closed them.
        var held = opened;
        await Eventually.TrueAsync(async () => (held = await flood.ReportAsync(s_floodBound)).Open <= 4, s_floodBound,
            "at most the idle limit less the client's connection of the fresh ones left open");

        using var second = await client.GetAsync("/v1/echo");
        output.WriteLine($"{opened.Connected} fresh idle connections accepted, {held.Open} still open; the kept-alive client's " +
            $"second request: {(int)second.StatusCode} on connection {connections} of its own");

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(1, connections);
    }

    /// <summary>
    /// One client holds the idle limit's worth of kept-alive connections, each used for one anonymous request (answered
    /// 404) and left open; new clients must still be answered. The proxy's clock stands still, so a new connection's grace
    /// period for its first request cannot run out however slowly the machine gets to it.
    /// </summary>
    [Theory]
    [InlineData(50)]
    [InlineData(1000)]
    public async Task KeptAliveConnectionsFillingTheIdleLimit_NewClientsAreStillAnswered(int maxIdle)
    {
        await using var proxy = await fixture.StartProxyWithTestClockAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Connections__MaxIdleConnections", maxIdle.ToString(CultureInfo.InvariantCulture)));
        using var held = await KeptAliveConnections.OpenAsync(proxy.Port, maxIdle, "GET /not-an-api HTTP/1.1\r\nHost: 127.0.0.1\r\n", s_floodBound);

        var answers = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            // A fresh connection each time, as a new client would open.
            using var client = ProxyFixture.ClientFor(proxy);
            try
            {
                using var response = await client.GetAsync("/v1/echo");
                answers.Add(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            }
            catch (HttpRequestException exception)
            {
                answers.Add("no answer (" + exception.GetBaseException().Message + ")");
            }
        }

        var stillHeld = held.CountOpen();
        output.WriteLine($"{maxIdle} kept-alive connections held (limit {maxIdle}), answered {string.Join(", ", held.Statuses.Distinct())}; " +
            $"10 new clients: {string.Join(", ", answers.GroupBy(answer => answer).Select(group => $"{group.Count()} x {group.Key}"))}; " +
            $"{stillHeld} of the held connections still open");

        Assert.All(held.Statuses, status => Assert.Equal(404, status));
        Assert.All(answers, answer => Assert.Equal("200", answer));
        Assert.InRange(stillHeld, maxIdle - 10, maxIdle);
    }
}
