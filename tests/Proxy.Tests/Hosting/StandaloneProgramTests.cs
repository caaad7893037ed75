using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Hosting;

/// <summary>
/// <c>dotnet Proxy.Standalone.dll</c> as a user runs it: its usage, and a refused start reaching standard error and the
/// exit code of the process (the settings themselves are checked in process, in <see cref="HostStartupTests"/>).
/// </summary>
[Collection(OnStandaloneHost.Name)]
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class StandaloneProgramTests(StandaloneHostFixture fixture)
{
    [Fact]
    public async Task Help_PrintsUsage_AndStartsNothing()
    {
        var (exitCode, output) = await StandaloneProxyProcess.RunToExitAsync(new Dictionary<string, string>(), "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("Usage: dotnet Proxy.Standalone.dll", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[1102]", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--urls=http://127.0.0.1:0", "extra")]
    public async Task AnUnknownArgument_IsRefusedWithTheUsage_AndExitCode2_AndStartsNothing(params string[] arguments)
    {
        var (exitCode, output) = await StandaloneProxyProcess.RunToExitAsync(fixture.SettingsFor(fixture.Upstream.BaseAddress), arguments);

        Assert.True(exitCode == 2, output);
        Assert.Contains($"Unrecognized command or argument '{arguments[^1]}'.", output, StringComparison.Ordinal);
        Assert.Contains("Usage: dotnet Proxy.Standalone.dll", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[1102]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APortThatIsNotANumber_StopsTheProcessNamingTheSetting_AndExitCode1()
    {
        var (exitCode, output) = await StandaloneProxyProcess.RunToExitAsync(fixture.SettingsFor(fixture.Upstream.BaseAddress), "--urls", "http://127.0.0.1:abc");

        HostStartupTests.AssertOneLineRefusal(exitCode, output, "ASPNETCORE_URLS (or --urls) must give a port number from 1 to 65535");
    }

    [Fact]
    public async Task ABadSetting_StopsTheProcessWithOneLineOnStandardError_AndExitCode1()
    {
        var settings = fixture.SettingsFor(fixture.Upstream.BaseAddress);
        settings["Proxy__Auth__Mode"] = "Manged";

        var (exitCode, output) = await StandaloneProxyProcess.RunToExitAsync(settings, "--urls", "http://127.0.0.1:0");

        HostStartupTests.AssertOneLineRefusal(exitCode, output, "Proxy__Auth__Mode cannot be read as one of PassThrough, Managed.");
    }
}
