using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Proxy.Standalone;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Hosting;

/// <summary>
/// The standalone host listens on the loopback interface unless an address setting says otherwise, and says in one line
/// where it listens and whether other machines can connect (a bad address is refused: <see cref="HostStartupTests"/>).
/// </summary>
public sealed class ListenAddressesTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    [Fact]
    public void NoAddressSetting_ListensOnTheLoopbackInterfaceOnly()
    {
        var builder = StandaloneApp.CreateBuilder([]);
        // Nothing of the test process's environment (an ASPNETCORE_URLS of its own).
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();

        ListenAddresses.Apply(builder);

        Assert.Equal("http://127.0.0.1:7071", builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey));
    }

    [Fact]
    public void AnAddressSetting_IsKeptAsGiven()
    {
        var builder = StandaloneApp.CreateBuilder(["--urls", "http://*:8080"]);

        ListenAddresses.Apply(builder);

        Assert.Equal("http://*:8080", builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey));
    }

    [Fact]
    public async Task Start_LogsOneLineWithTheAddressesListenedOn_AndThatOnlyThisMachineCanConnect()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress);

        var line = await LogLines.WaitForAsync(proxy, "[1102]");

        Assert.Contains($"Listening on {proxy.BaseAddress.GetLeftPart(UriPartial.Authority)} (the loopback interface: this machine only)", line, StringComparison.Ordinal);
        Assert.Single(proxy.Output, output => output.Contains("istening on", StringComparison.Ordinal));
    }
}
