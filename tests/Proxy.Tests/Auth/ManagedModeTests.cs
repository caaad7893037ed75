using System.Net;
using Proxy.Tests.Cli;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Auth;

/// <summary>
/// Managed mode: only keys the operator registered with the CLI get through, and the upstream sees the proxy's
/// own key, never the client's.
/// </summary>
public abstract class ManagedModeTests(ProxyFixture fixture)
{
    [Fact]
    public async Task RegisteredKeysOnly_UnknownIs401_DisabledIs403_AndTheUpstreamSeesTheProxysKey()
    {
        var storage = fixture.Azurite.ConnectionString;
        var active = await CreateKeyAsync(storage, "--name", "active-client");
        var disabled = await CreateKeyAsync(storage, "--name", "disabled-client");
        Assert.Equal(0, (await InProcessCli.RunAsync(storage, "keys", "disable", disabled.Id)).ExitCode);

        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Auth__Mode", "Managed"),
            ("Proxy__Upstream__ApiKey", ProxyFixture.UpstreamKey),
            ("Proxy__Quota__FreeRequestsPerHour", "10"));

        using var unknown = await SendAsync(proxy, "sk-never-registered", "unknown");
        await ErrorBodyAssert.MatchesAsync(unknown, 401, "/v1/echo", "This request requires a valid API key.");

        using var refused = await SendAsync(proxy, disabled.Key, "disabled");
        await ErrorBodyAssert.MatchesAsync(refused, 403, "/v1/echo", "Forbidden: this API key is disabled.");

        using var admitted = await SendAsync(proxy, active.Key, "active");
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.Equal("9", Assert.Single(admitted.Headers.GetValues("X-RateLimit-Remaining")));

        var seen = fixture.Upstream.LastRequestTo("/v1/echo?client=active")!;
        Assert.Equal("Bearer " + ProxyFixture.UpstreamKey, seen.Headers["Authorization"]);
        Assert.DoesNotContain(fixture.Upstream.Requests, request => request.Headers.Values.Any(value => value.Contains(active.Key, StringComparison.Ordinal)));
        Assert.Null(fixture.Upstream.LastRequestTo("/v1/echo?client=unknown"));
        Assert.Null(fixture.Upstream.LastRequestTo("/v1/echo?client=disabled"));
    }

    [Fact]
    public async Task Cli_SetsAPerKeyLimitAndShowsUsage()
    {
        var storage = fixture.Azurite.ConnectionString;
        var key = await CreateKeyAsync(storage, "--name", "limited-client");
        var set = await InProcessCli.RunAsync(storage, "keys", "set", key.Id, "--limit", "2");
        Assert.Equal(0, set.ExitCode);
        Assert.Contains("limit 2", set.Output, StringComparison.Ordinal);

        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Proxy__Quota__FreeRequestsPerHour", "10"));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await SendAsync(proxy, key.Key, "limited");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        var usage = await InProcessCli.RunAsync(storage, "keys", "usage", key.Id);
        Assert.Equal(0, usage.ExitCode);
        Assert.Contains($"{key.Id}: 2 of 2 requests", usage.Output, StringComparison.Ordinal);

        var list = await InProcessCli.RunAsync(storage, "keys", "list");
        Assert.Contains(list.Output.Split('\n'), line => line.StartsWith(key.Id, StringComparison.Ordinal) && line.Contains("limited-client", StringComparison.Ordinal));
        Assert.DoesNotContain(key.Key, list.Output, StringComparison.Ordinal);
    }

    private static Task<(string Key, string Id)> CreateKeyAsync(string storage, params string[] options) => CliKeys.CreateAsync(storage, options);

    private static Task<HttpResponseMessage> SendAsync(ProxyProcess proxy, string key, string client) => CliKeys.SendAsync(proxy, key, client);
}

public sealed class ManagedModeTestsInProcess(InProcessFixture fixture) : ManagedModeTests(fixture), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class ManagedModeTestsOnFunctionsHost(FunctionsHostFixture fixture) : ManagedModeTests(fixture);
