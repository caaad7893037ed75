using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Errors;

/// <summary>Every upstream error, in every shape the upstream may send it, reaches the client in the documented shape.</summary>
public abstract class UpstreamErrorRewriteTests(ProxyFixture fixture)
{
    public static TheoryData<string, int> ShapesAndStatuses()
    {
        var data = new TheoryData<string, int>();
        foreach (var shape in new[] { "aimlapi", "aimlapi-v2", "openai", "text" })
        {
            foreach (var status in new[] { 400, 401, 403, 404, 413, 429, 500, 502, 503, 504 })
            {
                data.Add(shape, status);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ShapesAndStatuses))]
    public async Task UpstreamError_IsRewrittenKeepingStatusAndMessage(string shape, int status)
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        var path = $"/v1/errors/{shape}/{status}";

        using var response = await client.GetAsync(path);

        var body = await ErrorBodyAssert.MatchesAsync(response, status, path, FakeUpstream.ErrorMessage(shape, status));
        Assert.Equal(FakeUpstream.ErrorMessage(shape, status), body.GetProperty("message").GetString());
        var upstreamRequestId = Assert.Single(response.Headers.GetValues("x-upstream-request-id"));
        Assert.StartsWith("upstream-", upstreamRequestId, StringComparison.Ordinal);
        Assert.NotEqual(upstreamRequestId, Assert.Single(response.Headers.GetValues("x-request-id")));
    }

    [Fact]
    public async Task OpenAiShapedError_KeepsTypeAndCode()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);

        using var response = await client.GetAsync("/v1/errors/openai/400");

        var body = await ErrorBodyAssert.MatchesAsync(response, 400, "/v1/errors/openai/400", FakeUpstream.ErrorMessage("openai", 400));
        Assert.Equal("upstream_type", body.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("upstream_code", body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task EmptyUpstreamErrorBody_GetsTheStatusReasonPhrase()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);

        using var response = await client.GetAsync("/v1/errors/empty/503");

        await ErrorBodyAssert.MatchesAsync(response, 503, "/v1/errors/empty/503", "Service Unavailable");
    }

    [Fact]
    public async Task CompressedUpstreamError_IsDecodedAndRewritten()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/gzip-error");
        request.Headers.AcceptEncoding.ParseAdd("gzip");

        using var response = await client.SendAsync(request);

        Assert.Empty(response.Content.Headers.ContentEncoding);
        await ErrorBodyAssert.MatchesAsync(response, 400, "/v1/gzip-error", "compressed trouble");
    }
}

[Collection(OnStandaloneHost.Name)]
public sealed class UpstreamErrorRewriteTestsOnStandaloneHost(StandaloneHostFixture fixture) : UpstreamErrorRewriteTests(fixture);

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
public sealed class UpstreamErrorRewriteTestsOnFunctionsHost(FunctionsHostFixture fixture) : UpstreamErrorRewriteTests(fixture);
