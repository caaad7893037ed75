using System.Text.Json;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Forwarding;

/// <summary>An upstream that is slow, gone or broken gets the client a documented 502 or 504, never a hang.</summary>
public abstract class UpstreamFailureTests(ProxyFixture fixture)
{
    [Fact]
    public async Task UpstreamSilentPastTimeout_Gives504()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);

        // The upstream would answer 200 after 10 s; the proxy's timeout (2 s) ends the wait first.
        using var response = await client.GetAsync("/v1/stall?ms=10000");

        await ErrorBodyAssert.MatchesAsync(response, 504, "/v1/stall", "Gateway Timeout: ");
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

        // The error body stalls for a minute, past the client's own timeout: the fixture's upstream timeout (2 s), shorter
        // than the error body's own (5 s), ends the wait first.
        using var response = await client.GetAsync(path);

        await ErrorBodyAssert.MatchesAsync(response, status, path, message);
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

        // The error body stalls for a minute, as long as the upstream timeout and past the client's own: only the error
        // body's timeout (1 s) can end the wait in time.
        using var response = await client.GetAsync("/v1/hostile/stalled-error/503");

        await ErrorBodyAssert.MatchesAsync(response, 503, "/v1/hostile/stalled-error/503", "Service Unavailable");
        var record = await fixture.Failures.WaitForAsync(Assert.Single(response.Headers.GetValues("x-request-id")));
        Assert.Equal(503, record.UpstreamStatusCode);
    }

    /// <summary>A model that is not valid text: a lone surrogate escaped, and bytes that are not UTF-8.</summary>
    public static TheoryData<string, string> MalformedModels => new()
    {
        { "{\"model\":\"\\ud800\",\"messages\":[]}", "\\ud800" },
        { "{\"model\":\"\u00ff\u00fe-x\",\"messages\":[]}", "\uFFFD\uFFFD-x" },
    };

    [Theory]
    [MemberData(nameof(MalformedModels))]
    public async Task UpstreamFailureOfARequestWhoseModelIsNotValidText_GetsItsAnswerRecordRefundAndAccessLine(string body, string recordedModel)
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Proxy__Quota__FreeRequestsPerHour", "50"));
        using var client = ProxyFixture.ClientFor(proxy, withKey: false);
        client.DefaultRequestHeaders.Authorization = new("Bearer", "sk-odd-model-" + Guid.NewGuid().ToString("N"));
        const string path = "/v1/errors/aimlapi/503";

        // Latin-1 puts the two characters on the wire as the bytes 0xFF 0xFE, which are not UTF-8.
        using var content = new ByteArrayContent(System.Text.Encoding.Latin1.GetBytes(body)) { Headers = { ContentType = new("application/json") } };
        using var response = await client.PostAsync(path, content);

        await ErrorBodyAssert.MatchesAsync(response, 503, path, "");
        var requestId = Assert.Single(response.Headers.GetValues("x-request-id"));
        var record = await fixture.Failures.WaitForAsync(requestId);
        Assert.Equal(("upstream_error", recordedModel), (record.Kind, record.Model));

        // The refund is bookkeeping after the answer: the key's hour shows it once it is done.
        await Eventually.TrueAsync(async () =>
        {
            using var quota = await client.GetAsync("/quota");
            using var figures = JsonDocument.Parse(await quota.Content.ReadAsStringAsync());
            return figures.RootElement.GetProperty("requests").GetProperty("used").GetInt64() == 0;
        }, TimeSpan.FromSeconds(30), "the failed request's unit given back");
        await LogLines.WaitForAccessLineAsync(proxy, requestId);
        Assert.True(proxy.Kind == ProxyHostKind.Functions || LogLines.Find(proxy, "[1200]", requestId) is not null, "the failed request's access line");
        Assert.DoesNotContain(proxy.Output, line => line.Contains("Exception", StringComparison.Ordinal) || line.Contains(" at Proxy.", StringComparison.Ordinal));
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
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class UpstreamFailureTestsOnStandaloneHost(StandaloneHostFixture fixture) : UpstreamFailureTests(fixture);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class UpstreamFailureTestsOnFunctionsHost(FunctionsHostFixture fixture) : UpstreamFailureTests(fixture);
