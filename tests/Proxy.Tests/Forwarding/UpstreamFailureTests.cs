using System.Diagnostics;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Forwarding;

/// <summary>An upstream that is slow, gone or broken gets the client a documented 502 or 504, never a hang.</summary>
public abstract class UpstreamFailureTests(ProxyFixture fixture)
{
    [Fact]
    public async Task UpstreamSilentPastTimeout_Gives504()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        var clock = Stopwatch.StartNew();

        using var response = await client.GetAsync("/v1/stall?ms=10000");

        await ErrorBodyAssert.MatchesAsync(response, 504, "/v1/stall", "Gateway Timeout: ");
        Assert.InRange(clock.Elapsed, ProxyFixture.UpstreamTimeout, ProxyFixture.UpstreamTimeout + TimeSpan.FromSeconds(5));
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
