using System.Globalization;
using System.Net;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Quota;

/// <summary>The quota as clients see it, through standalone proxy processes sharing one Azurite.</summary>
public abstract class QuotaEndToEndTests(ProxyFixture fixture)
{
    private const string FreeTierMessage =
        "Free-tier limit: You've reached your free limit for the hour. Get AI/ML Subscription to use API, visit https://aimlapi.com/app/billing/ !";

    [Fact]
    public async Task ConcurrentRequestsOverTwoProcesses_AdmitExactlyTheLimit()
    {
        var limit = ("Proxy__Quota__FreeRequestsPerHour", "50");
        await using var first = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, limit);
        await using var second = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, limit);
        var key = "sk-exact-" + Guid.NewGuid().ToString("N");
        var target = "/v1/echo?run=" + Guid.NewGuid().ToString("N");
        using var firstClient = ClientWithKey(first, key);
        using var secondClient = ClientWithKey(second, key);

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => (i % 2 == 0 ? firstClient : secondClient).GetAsync(target)));

        try
        {
            var admitted = responses.Where(response => response.StatusCode == HttpStatusCode.OK).ToList();
            var refused = responses.Where(response => response.StatusCode == HttpStatusCode.TooManyRequests).ToList();
            Assert.Equal(50, admitted.Count);
            Assert.Equal(150, refused.Count);
            Assert.Equal(50, fixture.Upstream.Requests.Count(request => request.Target == target));

            // Every admitted response names a different remaining count: together they are 49, 48, ... 0.
            Assert.Equal(Enumerable.Range(0, 50), admitted.Select(response => Header(response, "X-RateLimit-Remaining")).Order());
            foreach (var response in refused)
            {
                await ErrorBodyAssert.MatchesAsync(response, 429, "/v1/echo", FreeTierMessage);
                Assert.Equal(0, Header(response, "X-RateLimit-Remaining"));
                Assert.Equal(50, Header(response, "X-RateLimit-Limit"));
                Assert.InRange(Header(response, "X-RateLimit-Reset"), 1, 3600);
            }
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task QuotaRefusal_TellsTheClientWhenToComeBack()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Proxy__Quota__FreeRequestsPerHour", "1"));
        using var client = ClientWithKey(proxy, "sk-once-" + Guid.NewGuid().ToString("N"));

        using var admitted = await client.GetAsync("/v1/echo");
        var asked = DateTimeOffset.UtcNow;
        using var refused = await client.GetAsync("/v1/echo");
        var answered = DateTimeOffset.UtcNow;

        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.Equal(0, Header(admitted, "X-RateLimit-Remaining"));
        Assert.StartsWith("\"hourly\";q=1;w=3600", Assert.Single(admitted.Headers.GetValues("RateLimit-Policy")), StringComparison.Ordinal);
        await ErrorBodyAssert.MatchesAsync(refused, 429, "/v1/echo", FreeTierMessage);

        // When to come back is in the rate-limit headers; no Retry-After, which the OpenAI SDKs would sleep for.
        // The proxy decided between the two readings of the clock, however long the refusal took on a busy machine.
        var topOfTheHour = TopOfNextHour(asked);
        var reset = Header(refused, "X-RateLimit-Reset");
        Assert.InRange(reset, (int)Math.Floor((topOfTheHour - answered).TotalSeconds), (int)Math.Ceiling((topOfTheHour - asked).TotalSeconds));
        Assert.Equal($"\"hourly\";r=0;t={reset}", Assert.Single(refused.Headers.GetValues("RateLimit")));
        Assert.False(refused.Headers.Contains("Retry-After"));
        Assert.Equal("false", Assert.Single(refused.Headers.GetValues("x-should-retry")));
    }

    [Fact]
    public async Task ConfiguredWording_ReplacesTheSubscriptionTextAndBillingUrl()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Quota__FreeRequestsPerHour", "0"),
            ("Proxy__Quota__SubscriptionText", "Upgrade to Example Pro"),
            ("Proxy__Quota__BillingUrl", "https://example.test/billing"));
        using var client = ClientWithKey(proxy, "sk-zero-" + Guid.NewGuid().ToString("N"));

        using var refused = await client.GetAsync("/v1/echo");

        await ErrorBodyAssert.MatchesAsync(refused, 429, "/v1/echo",
            "Free-tier limit: You've reached your free limit for the hour. Upgrade to Example Pro, visit https://example.test/billing !");
    }

    private static DateTimeOffset TopOfNextHour(DateTimeOffset now) =>
        new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(1);

    private static int Header(HttpResponseMessage response, string name) =>
        int.Parse(Assert.Single(response.Headers.GetValues(name)), CultureInfo.InvariantCulture);

    private static HttpClient ClientWithKey(ProxyProcess proxy, string key)
    {
        var client = ProxyFixture.ClientFor(proxy, withKey: false);
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }
}

[Collection(OnStandaloneHost.Name)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class QuotaEndToEndTestsOnStandaloneHost(StandaloneHostFixture fixture) : QuotaEndToEndTests(fixture);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class QuotaEndToEndTestsOnFunctionsHost(FunctionsHostFixture fixture) : QuotaEndToEndTests(fixture);
