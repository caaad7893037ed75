using System.Globalization;
using System.Net;
using System.Text;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Quota;

/// <summary>
/// <c>GET /quota</c> tells a key its tier and, for this hour, its request and token limits, what it used and what is left;
/// the key is checked as any request's key, and the call is neither forwarded nor counted.
/// </summary>
public abstract class QuotaEndpointTests(ProxyFixture fixture) : MeteredProxySpec(fixture)
{
    [Fact]
    public async Task Quota_AnswersTheKeysTierAndWhatIsLeft_NotForwardedNorCounted()
    {
        await using var proxy = await StartAsync(("Proxy__Quota__FreeRequestsPerHour", "5"));
        using var http = Client(proxy, NewKey(), gzip: false);
        using var answered = await PostAsync(http, "/v1/chat/completions", Chat());
        var remainingTokens = Assert.Single(answered.Headers.GetValues("x-ratelimit-remaining-tokens"));

        var first = await SettledQuotaAsync(http);
        var second = await QuotaAsync(http);

        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal((Limit - Encoding.UTF8.GetByteCount(Chat()) - DefaultCap).ToString(CultureInfo.InvariantCulture), remainingTokens);
        Assert.Equal(first.ToString(), second.ToString());
        Assert.Equal("quota", first.GetProperty("object").GetString());
        Assert.Equal("free", first.GetProperty("tier").GetString());
        Assert.InRange(first.GetProperty("resetSeconds").GetInt64(), 1, 3600);
        var requests = first.GetProperty("requests");
        Assert.Equal((5, 1, 4), (requests.GetProperty("limit").GetInt64(), requests.GetProperty("used").GetInt64(), requests.GetProperty("remaining").GetInt64()));
        AssertTokens(first, MeteringUpstream.AnswerTokens(), reserved: 0);
        Assert.Single(Upstream.Requests);
    }

    [Fact]
    public async Task Quota_WithoutAValidKey_IsTheDocumented401()
    {
        await using var proxy = await StartAsync(
            ("Proxy__Auth__Mode", "Managed"), ("Proxy__Upstream__ApiKey", ProxyFixture.UpstreamKey), ("Proxy__Auth__KeysTableName", "keys" + Guid.NewGuid().ToString("N")));
        using var http = Client(proxy, "sk-nobody-registered", gzip: false);
        using var noKey = ProxyFixture.ClientFor(proxy, withKey: false);

        using var unknown = await http.GetAsync("/quota");
        using var missing = await noKey.GetAsync("/quota");

        await ErrorBodyAssert.MatchesAsync(unknown, 401, "/quota", "");
        await ErrorBodyAssert.MatchesAsync(missing, 401, "/quota", "");
        Assert.Empty(Upstream.Requests);
    }
}

public sealed class QuotaEndpointTestsInProcess(InProcessFixture fixture) : QuotaEndpointTests(fixture), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class QuotaEndpointTestsOnFunctionsHost(FunctionsHostFixture fixture) : QuotaEndpointTests(fixture);
