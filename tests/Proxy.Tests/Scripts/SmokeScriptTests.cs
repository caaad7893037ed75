using System.Diagnostics;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Scripts;

/// <summary>
/// <c>scripts/smoke.sh</c> as an operator runs it after a deployment, against standalone proxies of this run: every step
/// passes on a working proxy that archives its failures; a target that does not answer, an upstream that is down and a
/// proxy whose failures are not archived each fail their step with exit 1; bad arguments exit 2 with the usage. The key is
/// never printed.
/// </summary>
[Collection(OnStandaloneHost.Name)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class SmokeScriptTests(StandaloneHostFixture fixture, ITestOutputHelper output)
{
    // A hang detector only: a run against a working proxy takes seconds.
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task AWorkingProxyThatArchivesItsFailures_EveryStepPasses_AndExitCodeIs0()
    {
        var table = "smoke" + Guid.NewGuid().ToString("N");
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("Proxy__Failures__ArchiveInProcess", "true"),
            ("Proxy__Failures__QueueName", "smoke-" + Guid.NewGuid().ToString("N")),
            ("Proxy__Failures__TableName", table),
            ("Proxy__Quota__FreeRequestsPerHour", "100"));
        await CountedEventuallyAsync(proxy);

        var (exitCode, lines) = await RunAsync(proxy.BaseAddress.ToString(), ProxyFixture.ClientKey,
            "--path", "/v1/echo", "--counted-path", "/v1/echo", "--storage", fixture.Azurite.ConnectionString,
            "--failures-table", table, "--cli", RepositoryPaths.CliAssembly);

        Assert.True(exitCode == 0, string.Join('\n', lines));
        AssertStep(lines, "PASS health: GET /health answered 200, status Healthy");
        AssertStep(lines, "PASS forward: GET /v1/echo answered 200");
        AssertStep(lines, "PASS quota: GET /quota answered 200, tier free, ");
        AssertStep(lines, "PASS rate-limit: GET /v1/echo answered 200, X-RateLimit-Limit 100, X-RateLimit-Remaining ");
        AssertStep(lines, "PASS error-404: GET /no-such-path answered 404 with the documented error body, code not_found, requestId ");
        AssertStep(lines, "PASS error-401: GET /v1/echo without a key answered 401 with the documented error body, code invalid_api_key, requestId ");
        AssertStep(lines, "PASS failure-archive: the 404's record (request id ");
        Assert.Contains($"is in table {table}", Line(lines, "PASS failure-archive:"), StringComparison.Ordinal);
        Assert.Equal("Summary: 7 passed, 0 failed, 0 skipped", lines[^1]);
    }

    [Fact]
    public async Task APortWhereNothingListens_EveryRequestStepFails_AndExitCodeIs1()
    {
        var (exitCode, lines) = await RunAsync($"http://127.0.0.1:{LoopbackPort.Unused()}", ProxyFixture.ClientKey, "--timeout", "10");

        Assert.True(exitCode == 1, string.Join('\n', lines));
        AssertStep(lines, "FAIL health: GET /health no answer (curl: ");
        AssertStep(lines, "FAIL forward: GET /v1/models no answer (curl: ");
        AssertStep(lines, "FAIL quota: GET /quota no answer (curl: ");
        AssertStep(lines, "SKIPPED rate-limit: no request limit known");
        AssertStep(lines, "FAIL error-404: GET /no-such-path no answer (curl: ");
        AssertStep(lines, "FAIL error-401: GET /v1/models without a key no answer (curl: ");
        AssertStep(lines, "SKIPPED failure-archive: no storage given (--storage, --storage-account or AzureWebJobsStorage)");
        Assert.Equal("Summary: 0 passed, 5 failed, 2 skipped", lines[^1]);
    }

    [Fact]
    public async Task AProxyWhoseUpstreamIsDown_TheForwardStepFails_TheOthersPass_AndExitCodeIs1()
    {
        var (exitCode, lines) = await RunAsync(fixture.RefusedProxy.BaseAddress.ToString(), ProxyFixture.ClientKey, "--path", "/v1/echo");

        Assert.True(exitCode == 1, string.Join('\n', lines));
        AssertStep(lines, "PASS health: ");
        AssertStep(lines, "FAIL forward: GET /v1/echo answered 502, not 2xx");
        // The fixture's proxies have no request limit.
        AssertStep(lines, "PASS quota: GET /quota answered 200, tier free, no request limit");
        AssertStep(lines, "SKIPPED rate-limit: the key's tier has no request limit");
        AssertStep(lines, "PASS error-404: ");
        AssertStep(lines, "PASS error-401: ");
        Assert.Equal("Summary: 4 passed, 1 failed, 2 skipped", lines[^1]);
    }

    [Fact]
    public async Task AProxyThatDoesNotArchiveItsFailures_TheArchiveStepFails_AndExitCodeIs1()
    {
        // The fixture's proxies leave their failure queue to the tests, so no record reaches a table.
        var table = "smoke" + Guid.NewGuid().ToString("N");

        var (exitCode, lines) = await RunAsync(fixture.Proxy.BaseAddress.ToString(), ProxyFixture.ClientKey,
            "--path", "/v1/echo", "--storage", fixture.Azurite.ConnectionString, "--failures-table", table,
            "--archive-timeout", "1", "--cli", RepositoryPaths.CliAssembly);

        Assert.True(exitCode == 1, string.Join('\n', lines));
        AssertStep(lines, "PASS error-404: ");
        AssertStep(lines, "FAIL failure-archive: the 404's record (request id ");
        Assert.Contains($"was not in table {table} within 1s", Line(lines, "FAIL failure-archive:"), StringComparison.Ordinal);
        Assert.Equal("Summary: 5 passed, 1 failed, 1 skipped", lines[^1]);
    }

    [Theory]
    [InlineData("smoke.sh: give the proxy's URL and a client key, and nothing else (0 arguments given).")]
    [InlineData("smoke.sh: give the proxy's URL and a client key, and nothing else (1 arguments given).", "http://127.0.0.1:1")]
    [InlineData("smoke.sh: give the proxy's URL and a client key, and nothing else (3 arguments given).", "http://127.0.0.1:1", ProxyFixture.ClientKey, "extra")]
    [InlineData("smoke.sh: URL must be an http:// or https:// address without a query (e.g. https://<app>.azurewebsites.net).", ProxyFixture.ClientKey, "http://127.0.0.1:1")]
    [InlineData("smoke.sh: unknown option --bogus.", "--bogus", "http://127.0.0.1:1", ProxyFixture.ClientKey)]
    [InlineData("smoke.sh: --timeout must be a whole number of seconds from 1 to 300.", "--timeout", "0", "http://127.0.0.1:1", ProxyFixture.ClientKey)]
    [InlineData("smoke.sh: --path must be a path starting with / (e.g. /v1/models).", "--path", "v1/models", "http://127.0.0.1:1", ProxyFixture.ClientKey)]
    [InlineData("smoke.sh: --timeout needs a value.", "http://127.0.0.1:1", ProxyFixture.ClientKey, "--timeout")]
    public async Task BadArguments_PrintOneLineAndTheUsage_AndExitCodeIs2(string expected, params string[] arguments)
    {
        var (exitCode, lines) = await RunAsync(arguments);

        Assert.True(exitCode == 2, string.Join('\n', lines));
        Assert.Equal(expected, lines[0]);
        Assert.Equal("Usage: scripts/smoke.sh [options] URL KEY", lines[1]);
    }

    /// <summary>Until a request with the key is counted: a fresh proxy's store may not count the very first one in time.</summary>
    private static async Task CountedEventuallyAsync(ProxyProcess proxy)
    {
        using var client = ProxyFixture.ClientFor(proxy);
        await Eventually.TrueAsync(async () =>
        {
            using var response = await client.GetAsync("/v1/echo");
            return response.Headers.Contains("X-RateLimit-Limit");
        }, TimeSpan.FromSeconds(30), "a counted request with the client key");
    }

    /// <summary>
    /// Runs the script with <paramref name="arguments"/>, from the repository, with none of the test process's storage or
    /// proxy settings: its exit code and every line it printed, which never hold the key.
    /// </summary>
    private async Task<(int ExitCode, string[] Lines)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine("scripts", "smoke.sh"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(name =>
            name.StartsWith("AzureWebJobsStorage", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Proxy__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(start, s_runTimeout, "smoke.sh");
        var printed = stderr + stdout;
        output.WriteLine(printed);
        Assert.DoesNotContain(ProxyFixture.ClientKey, printed, StringComparison.Ordinal);
        return (exitCode, printed.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static void AssertStep(string[] lines, string start) => _ = Line(lines, start);

    private static string Line(string[] lines, string start) =>
        lines.SingleOrDefault(line => line.StartsWith(start, StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"No line starts with \"{start}\":\n{string.Join('\n', lines)}");
}
