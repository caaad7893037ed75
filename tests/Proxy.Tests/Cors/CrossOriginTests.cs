using System.Net;
using System.Text;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Cors;

/// <summary>
/// Browsers' preflights are the proxy's to answer: never forwarded (so never with the operator's key or a body), never
/// counted, allowed only for the configured origins; and the upstream's own CORS headers never decide which pages may read
/// an answer.
/// </summary>
public abstract class CrossOriginTests(ProxyFixture fixture)
{
    private const string AllowedOrigin = "https://app.example";
    private const string OtherOrigin = "https://evil.example";

    [Fact]
    public async Task PreflightsFromAnOriginNotAllowed_Get403_AndNeverReachTheUpstream_NotEvenBehindTheOperatorsKey()
    {
        var before = fixture.Upstream.Requests.Count;
        foreach (var proxy in new[] { fixture.Proxy, fixture.KeyInjectingProxy })
        {
            using var client = ProxyFixture.ClientFor(proxy, withKey: false);
            for (var i = 0; i < 10; i++)
            {
                using var preflight = Preflight(OtherOrigin);
                preflight.Content = new StringContent("{\"model\":\"gpt-4o\"}", Encoding.UTF8, "application/json");
                preflight.Headers.Add("X-HTTP-Method-Override", "POST");

                using var response = await client.SendAsync(preflight);

                var body = await ErrorBodyAssert.MatchesAsync(response, 403, "/v1/chat/completions", "Forbidden: this origin may not call the API from a browser page.");
                Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
                if (i == 0)
                {
                    var record = await fixture.Failures.WaitForAsync(body.GetProperty("requestId").GetString()!);
                    Assert.Equal(("forbidden", "OPTIONS", (string?)null), (record.Kind, record.Method, record.KeyId));
                }
            }
        }

        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Fact]
    public async Task PreflightsFromAnAllowedOrigin_Get204WithTheCorsHeaders_DoNotCount_AndNeverReachTheUpstream()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Cors__AllowedOrigins", AllowedOrigin), ("Proxy__Quota__FreeRequestsPerHour", "3"));
        using var client = ProxyFixture.ClientFor(proxy, withKey: false);
        var key = "sk-cors-" + Guid.NewGuid().ToString("N");
        Assert.Equal("2", await RemainingAfterOneRequestAsync(client, key));
        var before = fixture.Upstream.Requests.Count;

        for (var i = 0; i < 10; i++)
        {
            using var preflight = Preflight(AllowedOrigin);
            preflight.Headers.Authorization = new("Bearer", key);

            using var response = await client.SendAsync(preflight);

            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Equal(AllowedOrigin, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
            Assert.Contains("POST", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
            Assert.Contains("authorization", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
            Assert.Equal("600", Assert.Single(response.Headers.GetValues("Access-Control-Max-Age")));
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }

        Assert.Equal(before, fixture.Upstream.Requests.Count);
        Assert.Equal("1", await RemainingAfterOneRequestAsync(client, key));
    }

    [Fact]
    public async Task CrossOriginRequests_AnAllowedPageCanReadTheAnswer_AndTheUpstreamsOwnCorsHeadersNeverReachTheClient()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Proxy__Cors__AllowedOrigins", AllowedOrigin));
        using var client = ProxyFixture.ClientFor(proxy);

        using var allowed = await GetEchoFromAsync(client, AllowedOrigin);
        using var other = await GetEchoFromAsync(client, OtherOrigin);
        using var unconfigured = await GetEchoFromAsync(ProxyFixture.ClientFor(fixture.Proxy), AllowedOrigin);

        Assert.Equal(AllowedOrigin, Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("x-request-id", Assert.Single(allowed.Headers.GetValues("Access-Control-Expose-Headers")), StringComparison.OrdinalIgnoreCase);

        // The upstream answers every one of these with "Access-Control-Allow-Origin: *".
        Assert.All(new[] { other, unconfigured }, response =>
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        });
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/chat/completions");
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return preflight;
    }

    private static async Task<HttpResponseMessage> GetEchoFromAsync(HttpClient client, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/echo");
        request.Headers.Add("Origin", origin);
        return await client.SendAsync(request);
    }

    private static async Task<string> RemainingAfterOneRequestAsync(HttpClient client, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/echo");
        request.Headers.Authorization = new("Bearer", key);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(response.Headers.GetValues("X-RateLimit-Remaining"));
    }
}

public sealed class CrossOriginTestsInProcess(InProcessFixture fixture) : CrossOriginTests(fixture), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class CrossOriginTestsOnFunctionsHost(FunctionsHostFixture fixture) : CrossOriginTests(fixture);
