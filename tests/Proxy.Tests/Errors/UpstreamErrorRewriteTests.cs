using System.Text.Json;
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
    public async Task OpenAiShapedErrorWithCodeNull_KeepsCodeAsNull()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);

        using var response = await client.GetAsync("/v1/errors/openai-null-code/400");

        var body = await ErrorBodyAssert.MatchesAsync(response, 400, "/v1/errors/openai-null-code/400", FakeUpstream.ErrorMessage("openai-null-code", 400));
        Assert.Equal(JsonValueKind.Null, body.GetProperty("error").GetProperty("code").ValueKind);
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

    [Fact]
    public async Task HugeUpstreamValues_AreCutToTheirDocumentedBounds()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);

        using var response = await client.GetAsync("/v1/hostile/huge-values");

        var text = await response.Content.ReadAsStringAsync();
        Assert.InRange(text.Length, 1, 8 * 1024);
        var requestId = Assert.Single(response.Headers.GetValues("x-request-id"));
        var body = ErrorBodyAssert.Matches((int)response.StatusCode, requestId, text, 500, "/v1/hostile/huge-values", "\"");
        var error = body.GetProperty("error");
        Assert.Equal(new string('t', 128), error.GetProperty("type").GetString());
        Assert.Equal(new string('c', 128), error.GetProperty("code").GetString());

        // Each quote is two characters once escaped; the bound is on what the body carries.
        Assert.Equal(1024, body.GetProperty("message").GetString()!.Length);
        Assert.Equal(new string('r', 128), Assert.Single(response.Headers.GetValues("x-upstream-request-id")));
        var record = await fixture.Failures.WaitForAsync(requestId);
        Assert.Equal(new string('r', 128), record.UpstreamRequestId);
        Assert.Equal(1024, record.Message.Length);
    }
}

public sealed class UpstreamErrorRewriteTestsInProcess(InProcessFixture fixture) : UpstreamErrorRewriteTests(fixture), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class UpstreamErrorRewriteTestsOnFunctionsHost(FunctionsHostFixture fixture) : UpstreamErrorRewriteTests(fixture);
