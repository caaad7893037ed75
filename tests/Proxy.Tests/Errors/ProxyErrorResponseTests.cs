using System.Net.Http.Headers;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Errors;

/// <summary>What the proxy refuses itself, it answers in the documented shape, without calling the upstream.</summary>
public abstract class ProxyErrorResponseTests(ProxyFixture fixture)
{
    [Fact]
    public async Task NoApiKey_Gives401WithTheDocumentedMessage()
    {
        var before = fixture.Upstream.Requests.Count;
        using var client = ProxyFixture.ClientFor(fixture.Proxy, withKey: false);

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent("{}"));

        await ErrorBodyAssert.MatchesAsync(response, 401, "/v1/chat/completions",
            "This request requires a valid API key. You can create a new API key on the Billing page: https://aimlapi.com/app/keys");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Fact]
    public async Task NonBearerAuthorization_Gives401()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy, withKey: false);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");

        using var response = await client.GetAsync("/v1/echo");

        await ErrorBodyAssert.MatchesAsync(response, 401, "/v1/echo", "This request requires a valid API key.");
    }

    [Fact]
    public async Task ApiKeyInXApiKeyHeader_IsAccepted()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy, withKey: false);
        client.DefaultRequestHeaders.Add("x-api-key", ProxyFixture.ClientKey);

        using var response = await client.GetAsync("/v1/echo");

        response.EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task TwoAuthorizationHeaders_Give400()
    {
        var before = fixture.Upstream.Requests.Count;

        var response = await RawHttp.SendAsync(fixture.Proxy.Port,
            "GET /v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer one\r\nAuthorization: Bearer two\r\nConnection: close\r\n");

        ErrorBodyAssert.Matches(response, 400, "/v1/echo", "Bad Request: ");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Theory]
    [InlineData("", 200)]
    [InlineData("Content-Length: 5\r\n", 400)]
    public async Task ChunkedBody_IsForwarded_UnlessAContentLengthFramesItToo(string contentLength, int status)
    {
        var target = $"/v1/upload?framing={status}";
        var response = await RawHttp.SendAsync(fixture.Proxy.Port,
            $"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ProxyFixture.ClientKey}\r\n" +
            $"Transfer-Encoding: chunked\r\n{contentLength}Connection: close\r\n", "3\r\nabc\r\n0\r\n\r\n");

        // RFC 9112 section 6.3: two framings are the shape of request smuggling, and are refused, not guessed between.
        Assert.Equal(status, response.StatusCode);
        if (status == 200)
        {
            Assert.Contains("\"bytes\":3", response.Body, StringComparison.Ordinal);
        }
        else
        {
            ErrorBodyAssert.Matches(response, 400, "/v1/upload", "Bad Request: the request has both Transfer-Encoding and Content-Length; send one.");
            Assert.Null(fixture.Upstream.LastRequestTo(target));
        }
    }

    [Fact]
    public async Task DeclaredBodyOverTheLimit_Gives413BeforeAnyUpstreamCall()
    {
        var before = fixture.Upstream.Requests.Count;

        var response = await RawHttp.SendAsync(fixture.Proxy.Port,
            $"POST /v1/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ProxyFixture.ClientKey}\r\n" +
            $"Content-Length: {ProxyFixture.MaxRequestBodySize + 1}\r\nConnection: close\r\n",
            fixture.DeclaredBodyTheHostReadsFirst(ProxyFixture.MaxRequestBodySize + 1));

        ErrorBodyAssert.Matches(response, 413, "/v1/upload", "Payload Too Large: ");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Fact]
    public async Task ChunkedBodyGrowingOverTheLimit_Gives413()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);

        using var response = await client.PostAsync("/v1/upload", new GeneratedContent(ProxyFixture.MaxRequestBodySize + 1024 * 1024, declareLength: false));

        await ErrorBodyAssert.MatchesAsync(response, 413, "/v1/upload", "Payload Too Large: ");
    }
}

[Collection(OnStandaloneHost.Name)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class ProxyErrorResponseTestsOnStandaloneHost(StandaloneHostFixture fixture) : ProxyErrorResponseTests(fixture);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class ProxyErrorResponseTestsOnFunctionsHost(FunctionsHostFixture fixture) : ProxyErrorResponseTests(fixture);
