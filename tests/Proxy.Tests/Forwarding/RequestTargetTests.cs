using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Forwarding;

/// <summary>Only paths under the allowed prefixes are forwarded; every way of escaping them is a 404 the upstream never sees.</summary>
public abstract class RequestTargetTests(ProxyFixture fixture)
{
    [Theory]
    [InlineData("/v1/..%2fadmin")]
    [InlineData("/v1/chat%2Fcompletions")]
    [InlineData("/v1//echo")]
    [InlineData("/v1/..;x/admin")]
    [InlineData("/v3/echo")]
    [InlineData("/V1/echo")]
    [InlineData("/v1")]
    public async Task PathEscapingOrOutsideThePrefixes_Gives404WithThePathAsSentAndNoUpstreamCall(string target)
    {
        var before = fixture.Upstream.Requests.Count;

        var response = await GetAsync(target);

        ErrorBodyAssert.Matches(response, 404, target, "Not Found: ");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Fact]
    public async Task EncodedBackslash_Gives404AndNoUpstreamCall()
    {
        var before = fixture.Upstream.Requests.Count;

        var response = await GetAsync("/v1/chat%5ccompletions");

        // The Functions host decodes %5c and encodes the backslash again, in capitals, before the app sees it.
        ErrorBodyAssert.Matches(response, 404, fixture.Kind == ProxyHostKind.Functions ? "/v1/chat%5Ccompletions" : "/v1/chat%5ccompletions", "Not Found: ");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    /// <summary>
    /// The standalone host refuses dot segments as sent. The Functions host removes them (RFC 3986 section 5.2.4) before
    /// the app runs and keeps nothing of them that the app could read, so the app judges the path they resolve to.
    /// </summary>
    [Theory]
    [InlineData("/v1/../admin", "/admin")]
    [InlineData("/v1/%2e%2e/admin", "/admin")]
    public async Task DotSegmentsLeavingThePrefixes_Give404AndNoUpstreamCall(string target, string resolved)
    {
        var before = fixture.Upstream.Requests.Count;

        var response = await GetAsync(target);

        ErrorBodyAssert.Matches(response, 404, fixture.Kind == ProxyHostKind.Functions ? resolved : target, "Not Found: ");
        Assert.Equal(before, fixture.Upstream.Requests.Count);
    }

    [Theory]
    [InlineData("/v1/../v1/echo", "/v1/echo")]
    [InlineData("/v1/./echo", "/v1/echo")]
    [InlineData("/v1/%2E%2E/v1/echo", "/v1/echo")]
    public async Task DotSegmentsStayingInsideThePrefixes_NeverReachTheUpstream(string target, string resolved)
    {
        var before = fixture.Upstream.Requests.Count;

        var response = await GetAsync(target);

        if (fixture.Kind == ProxyHostKind.Functions)
        {
            // Resolved by the host: what reaches the upstream is the path they stand for, without a dot segment.
            Assert.Equal(200, response.StatusCode);
            Assert.Equal(resolved, fixture.Upstream.Requests.Last().Target);
        }
        else
        {
            ErrorBodyAssert.Matches(response, 404, target, "Not Found: ");
            Assert.Equal(before, fixture.Upstream.Requests.Count);
        }
    }

    /// <summary>
    /// A '%' without two hex digits after it is not percent-encoding, and a server that decodes the valid sequences
    /// around it makes an encoded dot of it ("%2%65" becomes "%2e"); a layered encoding ("%25%32%65") becomes one on
    /// the second hop. Neither reaches the upstream, whichever host decoded what first.
    /// </summary>
    [Theory]
    [InlineData("/v1/%2%65%2%65/admin", 400, "Bad Request: the path has a '%' that is not followed by two hex digits.")]
    [InlineData("/v1/%%32%65%%32%65/admin", 400, "Bad Request: the path has a '%' that is not followed by two hex digits.")]
    [InlineData("/v1/..%5%63admin", 400, "Bad Request: the path has a '%' that is not followed by two hex digits.")]
    [InlineData("/v1/%25%32%65%25%32%65/admin", 404, "Not Found: the path may not contain dot segments")]
    [InlineData("/v1/%25%35%63admin", 404, "Not Found: the path may not contain dot segments")]
    [InlineData("/v1/%25252e%25252e/admin", 404, "Not Found: the path may not contain dot segments")]
    public async Task MalformedOrLayeredPercentSpellings_AreRefusedAndNeverReachTheUpstream(string target, int status, string message)
    {
        var before = fixture.Upstream.Requests.Count;

        var response = await GetAsync(target);

        Assert.Equal(before, fixture.Upstream.Requests.Count);
        if (fixture.Kind != ProxyHostKind.Functions)
        {
            ErrorBodyAssert.Matches(response, status, target, message);
        }
        else
        {
            Assert.InRange(response.StatusCode, 400, 404);
        }
    }

    [Fact]
    public async Task PathUnderAllowedPrefix_IsForwardedWithItsQuery()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);

        using var response = await client.GetAsync("/v1/echo?a=1&b=two%20words");

        response.EnsureSuccessStatusCode();
        Assert.Equal("/v1/echo?a=1&b=two%20words", fixture.Upstream.Requests.Last().Target);
    }

    private Task<RawHttpResponse> GetAsync(string target) => RawHttp.SendAsync(fixture.Proxy.Port,
        $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ProxyFixture.ClientKey}\r\nConnection: close\r\n");
}

[Collection(OnStandaloneHost.Name)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class RequestTargetTestsOnStandaloneHost(StandaloneHostFixture fixture) : RequestTargetTests(fixture);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class RequestTargetTestsOnFunctionsHost(FunctionsHostFixture fixture) : RequestTargetTests(fixture);
