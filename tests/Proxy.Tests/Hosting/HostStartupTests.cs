using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Hosting;

/// <summary>
/// A setting the proxy cannot run with stops the host at once with one line that names it and says what is wrong, exit
/// code 1, and nothing else: no stack trace, no exception type, and nothing of the setting's value that could be secret.
/// </summary>
public sealed class HostStartupTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    private const string Refusal = "The proxy did not start: ";

    [Theory]
    [InlineData("AzureWebJobsStorage", "AccountName=x;AccountKey=c2VjcmV0LWtleQ==;garbage",
        "AzureWebJobsStorage is not a storage connection string with a table endpoint: use UseDevelopmentStorage=true")]
    [InlineData("AzureWebJobsStorage", "", "AzureWebJobsStorage is not set: give a connection string")]
    [InlineData("Proxy__Auth__Mode", "Manged", "Proxy__Auth__Mode cannot be read as one of PassThrough, Managed.")]
    [InlineData("Proxy__Quota__StoreTimeout", "two seconds", "Proxy__Quota__StoreTimeout cannot be read as a TimeSpan.")]
    [InlineData("Proxy__Upstream__BaseUrl", "api.aimlapi.com", "Proxy__Upstream__BaseUrl must be an absolute http or https URL.")]
    [InlineData("Proxy__Upstream__BaseUrl", "https://api.aimlapi.com/v1",
        "Proxy__Upstream__BaseUrl must not end in a version segment ('/v1'), since clients send it: use https://api.aimlapi.com.")]
    [InlineData("Proxy__Upstream__BaseUrl", "https://upuser:" + SecretBearingEndpoints.Password + "@api.aimlapi.com/v1",
        "Proxy__Upstream__BaseUrl must not end in a version segment ('/v1'), since clients send it: use https://api.aimlapi.com.")]
    [InlineData("Proxy__Auth__KeyIdCacheSize", "-1", "Proxy__Auth__KeyIdCacheSize must be between 0 and 1000000.")]
    [InlineData("Proxy__Connections__MaxIdleConnections", "0", "Proxy__Connections__MaxIdleConnections must be positive")]
    [InlineData("Proxy__Connections__FirstRequestGracePeriod", "00:00:00", "Proxy__Connections__FirstRequestGracePeriod must be positive.")]
    [InlineData("Proxy__Cors__AllowedOrigins", "https://app.example/page", "Proxy__Cors__AllowedOrigins: 'https://app.example/page' must be * or an origin")]
    [InlineData("Proxy__Usage__FlushInterval", "00:00:00", "Proxy__Usage__FlushInterval must be from 00:00:00.1 to 01:00:00.")]
    [InlineData("Proxy__Usage__MaxKeyHours", "0", "Proxy__Usage__MaxKeyHours must be from 1 to 1000000.")]
    [InlineData("Proxy__Usage__TableName", "u", "Proxy__Usage__TableName must be 3 to 63 letters and digits")]
    [InlineData("Proxy__Quota__FreeTokensPerHour", "0", "Proxy__Quota__FreeTokensPerHour must be 1 or more, or empty for no token limit.")]
    [InlineData("Proxy__Quota__Tiers__gold__TokensPerHour", "-1", "Proxy__Quota__Tiers__gold__TokensPerHour must be 1 or more, or empty for no token limit.")]
    [InlineData("Proxy__Failures__KeyedRecordsPerInterval", "0", "Proxy__Failures__BufferCapacity, __AnonymousBufferCapacity, __KeyedRecordsPerInterval, __BatchSize")]
    [InlineData("urls", "http://127.0.0.1:abc", "ASPNETCORE_URLS (or --urls) must give a port number from 1 to 65535 (or 0 for a free one).")]
    [InlineData("urls", "http://127.0.0.1:99999", "ASPNETCORE_URLS (or --urls) must give a port number from 1 to 65535 (or 0 for a free one).")]
    [InlineData("urls", "http://localhost:0", "ASPNETCORE_URLS (or --urls) must give a port number from 1 to 65535.")]
    [InlineData("urls", "http://127.0.0.1:0;http://proxy.example:8080", "ASPNETCORE_URLS (or --urls) must name an IP address, localhost, or * for every interface")]
    [InlineData("urls", "http://127.0.0.1", "ASPNETCORE_URLS (or --urls) must be addresses such as http://127.0.0.1:7071")]
    [InlineData("urls", "http://upuser:" + SecretBearingEndpoints.Password + "@127.0.0.1:0", "ASPNETCORE_URLS (or --urls) must be addresses such as http://127.0.0.1:7071")]
    [InlineData("urls", "https://127.0.0.1:0", "ASPNETCORE_URLS (or --urls) must use http: the standalone host serves no TLS")]
    [InlineData("https_ports", "8443", "ASPNETCORE_HTTPS_PORTS cannot be served: the standalone host serves http only")]
    [InlineData("Proxy__Telemetry__PrometheusEndpoint", "http://127.0.0.1:0", "Proxy__Telemetry__PrometheusEndpoint must be an http address with a port from 1 to 65535")]
    [InlineData("Kestrel__Endpoints__api__Url", "http://0.0.0.0:70000", "Kestrel__Endpoints__api__Url must give a port number from 1 to 65535")]
    public async Task ABadSetting_StopsTheHostWithOneLineNamingIt_AndExitCode1(string setting, string value, string expected)
    {
        var settings = fixture.SettingsFor(fixture.Upstream.BaseAddress);
        settings[setting] = value;

        var (exitCode, output) = await InProcessProxy.RunToExitAsync(settings);

        AssertOneLineRefusal(exitCode, output, expected);
        Assert.DoesNotContain("c2VjcmV0", output, StringComparison.Ordinal);
        SecretBearingEndpoints.AssertNoneIn(output);
    }

    [Fact]
    public async Task APortListThatIsNotNumbers_StopsTheHostNamingTheSetting_AndExitCode1()
    {
        var settings = fixture.SettingsFor(fixture.Upstream.BaseAddress);
        settings["urls"] = string.Empty;
        settings["http_ports"] = "8080;abc";

        var (exitCode, output) = await InProcessProxy.RunToExitAsync(settings);

        AssertOneLineRefusal(exitCode, output, "ASPNETCORE_HTTP_PORTS must be port numbers from 1 to 65535, separated by ';'.");
    }

    [Fact]
    public async Task ANegativeDefaultCompletionCap_StopsTheHost_NamingTheSetting()
    {
        var settings = fixture.SettingsFor(fixture.Upstream.BaseAddress);
        settings["Proxy__Quota__FreeTokensPerHour"] = "1000";
        settings["Proxy__Tokens__DefaultMaxTokens"] = "-1";

        var (exitCode, output) = await InProcessProxy.RunToExitAsync(settings);

        AssertOneLineRefusal(exitCode, output, "Proxy__Tokens__DefaultMaxTokens must be 0 or more.");
    }

    [Fact]
    public async Task APortInUse_StopsTheHostWithOneLineNamingTheAddress_AndExitCode1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)}";

        var settings = fixture.SettingsFor(fixture.Upstream.BaseAddress);
        settings["urls"] = address;

        var (exitCode, output) = await InProcessProxy.RunToExitAsync(settings);

        AssertOneLineRefusal(exitCode, output, $"Failed to bind to address {address}: address already in use.");
    }

    internal static void AssertOneLineRefusal(int exitCode, string output, string expected)
    {
        Assert.True(output.Length > 0, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(1, exitCode);
        Assert.True(lines.Length == 1, output);
        Assert.StartsWith(Refusal + expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }
}
