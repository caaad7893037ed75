using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Errors;

/// <summary>
/// An upstream that quotes the credential it got (in its error body, its request id, any header) never makes the proxy
/// pass that credential on: not to the client, not into the failure record, not into a log line.
/// </summary>
public abstract class UpstreamCredentialEchoTests(ProxyFixture fixture)
{
    private const string Redacted = "[redacted]";

    [Theory]
    [InlineData(false, 401)]
    [InlineData(false, 500)]
    [InlineData(true, 401)]
    [InlineData(true, 500)]
    public async Task EchoedKeyInAnUpstreamError_IsRedactedInBodyHeadersRecordAndLog(bool managed, int status)
    {
        var (proxy, secret) = managed ? (fixture.KeyInjectingProxy, ProxyFixture.UpstreamKey) : (fixture.Proxy, ProxyFixture.ClientKey);
        using var client = ProxyFixture.ClientFor(proxy);
        var path = $"/v1/hostile/echo-key/{status}";

        using var response = await client.GetAsync(path);

        var body = await ErrorBodyAssert.MatchesAsync(response, status, path, $"Invalid API key: {Redacted}.");
        Assert.Equal("type-" + Redacted, body.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("code-" + Redacted, body.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("req-" + Redacted, Assert.Single(response.Headers.GetValues("x-upstream-request-id")));
        AssertNoHeaderCarries(response, secret);

        var requestId = Assert.Single(response.Headers.GetValues("x-request-id"));
        var record = await fixture.Failures.WaitForAsync(requestId);
        Assert.Equal("upstream_error", record.Kind);
        Assert.Equal(status, record.UpstreamStatusCode);
        Assert.Equal("req-" + Redacted, record.UpstreamRequestId);
        Assert.DoesNotContain(secret, record.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Failures.RawMessages, message => message.Contains(secret, StringComparison.Ordinal));
        if (fixture.Kind != ProxyHostKind.Functions)
        {
            // The failure's log event (4000) carries the message and the upstream id. The Functions host's output, as
            // captured here, does not show the worker's events, so there only the absence of the key can be checked.
            Assert.Contains(proxy.Output, line => line.Contains(requestId, StringComparison.Ordinal) && line.Contains("req-" + Redacted, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(proxy.Output, line => line.Contains(secret, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EchoedKeyInTheHeadersOfASuccess_IsRedacted(bool managed)
    {
        var (proxy, secret) = managed ? (fixture.KeyInjectingProxy, ProxyFixture.UpstreamKey) : (fixture.Proxy, ProxyFixture.ClientKey);
        using var client = ProxyFixture.ClientFor(proxy);

        using var response = await client.GetAsync("/v1/hostile/echo-key/200");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("req-" + Redacted, Assert.Single(response.Headers.GetValues("x-upstream-request-id")));
        Assert.Equal("Bearer " + Redacted, Assert.Single(response.Headers.GetValues("x-debug-authorization")));
        AssertNoHeaderCarries(response, secret);
    }

    private static void AssertNoHeaderCarries(HttpResponseMessage response, string secret)
    {
        var values = response.Headers.Concat(response.Content.Headers).SelectMany(header => header.Value);
        Assert.DoesNotContain(values, value => value.Contains(secret, StringComparison.Ordinal));
    }
}

public sealed class UpstreamCredentialEchoTestsInProcess(InProcessFixture fixture) : UpstreamCredentialEchoTests(fixture), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class UpstreamCredentialEchoTestsOnFunctionsHost(FunctionsHostFixture fixture) : UpstreamCredentialEchoTests(fixture);
