using Proxy.Standalone;

namespace Proxy.Tests.Hosting;

/// <summary>The standalone host takes <c>--urls</c> and <c>--help</c>; anything else stops it with the usage and exit code 2.</summary>
public sealed class StandaloneCommandLineTests
{
    [Theory]
    [InlineData("--bogus")]
    [InlineData("listen")]
    [InlineData("--version")]
    [InlineData("[diagram]")]
    [InlineData("@settings.rsp")]
    [InlineData("--Proxy:Upstream:BaseUrl", "http://127.0.0.1:1")]
    public void AnUnknownArgument_IsRefusedWithTheUsage_AndExitCode2(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = StandaloneCommandLine.Read(args, output, error, out _);

        Assert.Equal(2, exitCode);
        Assert.Contains($"Unrecognized command or argument '{args[0]}'.", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Usage: dotnet Proxy.Standalone.dll", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Theory]
    [InlineData("--urls", "http://127.0.0.1:0")]
    [InlineData("--urls=http://127.0.0.1:0")]
    public void Urls_IsGivenToTheHost(params string[] args)
    {
        var exitCode = StandaloneCommandLine.Read(args, TextWriter.Null, TextWriter.Null, out var hostArgs);

        Assert.Null(exitCode);
        Assert.Equal(["--urls", "http://127.0.0.1:0"], hostArgs);
    }

    [Fact]
    public void NoArgument_StartsTheHostWithNone()
    {
        Assert.Null(StandaloneCommandLine.Read([], TextWriter.Null, TextWriter.Null, out var hostArgs));
        Assert.Empty(hostArgs);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("-?")]
    public void Help_PrintsTheUsage_AndExitCode0(string argument)
    {
        using var output = new StringWriter();

        Assert.Equal(0, StandaloneCommandLine.Read([argument], output, TextWriter.Null, out _));
        Assert.Contains("Usage: dotnet Proxy.Standalone.dll", output.ToString(), StringComparison.Ordinal);
    }
}
