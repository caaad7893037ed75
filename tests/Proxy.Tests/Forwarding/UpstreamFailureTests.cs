using System.Diagnostics;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Forwarding;

/// <summary>An upstream that is slow, gone or broken gets the client a documented 502 or 504, never a hang.</summary>
public abstract class UpstreamFailureTests(ProxyFixture fixture)
{
    private static readonly TimeSpan s_timerGrain = TimeSpan.FromMilliseconds(20);

    [Fact]
    public async Task UpstreamSilentPastTimeout_Gives504()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        var clock = Stopwatch.StartNew();

        using var response = await client.GetAsync("/v1/stall?ms=10000");

        await ErrorBodyAssert.MatchesAsync(response, 504, "/v1/stall", "Gateway Timeout: ");
        // Not before the timeout, give or take the timer's grain: the proxy's timer counts whole milliseconds of a coarser
        // clock than the Stopwatch, and once fired 0.35 ms before the 2 s the Stopwatch saw (a CI run).
        Assert.InRange(clock.Elapsed, ProxyFixture.UpstreamTimeout - s_timerGrain, ProxyFixture.UpstreamTimeout + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task UpstreamRefusesConnection_Gives502()
    {
        using var client = ProxyFixture.ClientFor(fixture.RefusedProxy);

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent("{}"));

        await ErrorBodyAssert.MatchesAsync(response, 502, "/v1/chat/completions", "Bad Gateway: the upstream could not be reached.");
    }

    [Theory]
    [InlineData("/v1/reset", "Bad Gateway: ")]
    [InlineData("/v1/garbage", "Bad Gateway: the upstream sent an invalid response.")]
    public async Task UpstreamResetsOrSendsGarbage_Gives502(string path, string message)
    {
        using var client = ProxyFixture.ClientFor(fixture.FaultyProxy);

        using var response = await client.GetAsync(path);

        await ErrorBodyAssert.MatchesAsync(response, 502, path, message);
    }

    [Theory]
    [InlineData(500, "Internal Server Error")]
    [InlineData(429, "Too Many Requests")]
    public async Task UpstreamErrorBodyThatStallsPastTheUpstreamTimeout_KeepsTheUpstreamsStatus(int status, string message)
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        var path = $"/v1/hostile/stalled-error/{status}";
        var clock = Stopwatch.StartNew();

        using var response = await client.GetAsync(path);

        // The fixture's upstream timeout (2 s) is shorter than the error body's own (5 s), and ends the wait first.
        await ErrorBodyAssert.MatchesAsync(response, status, path, message);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, ProxyFixture.UpstreamTimeout + TimeSpan.FromSeconds(5));
        var record = await fixture.Failures.WaitForAsync(Assert.Single(response.Headers.GetValues("x-request-id")));
        Assert.Equal("upstream_error", record.Kind);
        Assert.Equal(status, record.StatusCode);
        Assert.Equal(status, record.UpstreamStatusCode);
    }

    [Fact]
    public async Task UpstreamErrorBodyThatStalls_IsGivenUpAfterItsOwnTimeoutNotTheUpstreamTimeout()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Upstream__Timeout", "00:01:00"),
            ("Proxy__Upstream__ErrorBodyTimeout", "00:00:01"));
        using var client = ProxyFixture.ClientFor(proxy);
        var clock = Stopwatch.StartNew();

        using var response = await client.GetAsync("/v1/hostile/stalled-error/503");

        await ErrorBodyAssert.MatchesAsync(response, 503, "/v1/hostile/stalled-error/503", "Service Unavailable");
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        var record = await fixture.Failures.WaitForAsync(Assert.Single(response.Headers.GetValues("x-request-id")));
        Assert.Equal(503, record.UpstreamStatusCode);
    }

    [Fact]
    public async Task UpstreamResetsMidResponse_BreaksTheClientConnectionInsteadOfEndingCleanly()
    {
        using var client = ProxyFixture.ClientFor(fixture.FaultyProxy);

        // The status line already said 200; a truncated body that looked complete would be a lie.
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var response = await client.GetAsync("/v1/cut");
            await response.Content.ReadAsByteArrayAsync();
        });
    }
}

[Collection(OnStandaloneHost.Name)]
public sealed class UpstreamFailureTestsOnStandaloneHost(StandaloneHostFixture fixture) : UpstreamFailureTests(fixture);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
public sealed class UpstreamFailureTestsOnFunctionsHost(FunctionsHostFixture fixture) : UpstreamFailureTests(fixture);
