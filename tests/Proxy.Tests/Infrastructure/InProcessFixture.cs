using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Proxy.Auth;
using Proxy.Tiers;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// The proxy tests with every proxy the standalone host's application inside the test process: a class fixture, so that
/// each class has its own proxies and upstreams and the classes run side by side.
/// </summary>
public sealed class InProcessFixture() : ProxyFixture(ProxyHostKind.InProcess)
{
    internal override async Task<ProxyProcess> StartProxyWithTestClockAsync(Uri upstream, params (string Name, string Value)[] extra) =>
        Track(await InProcessProxy.StartAsync(SettingsFor(upstream, extra), new FakeTimeProvider(DateTimeOffset.UtcNow)));

    /// <summary>A proxy with the services <paramref name="replace"/> puts in place of its own.</summary>
    internal async Task<InProcessProxy> StartProxyWithServicesAsync(Uri upstream, Action<IServiceCollection> replace, params (string Name, string Value)[] extra) =>
        Track(await InProcessProxy.StartAsync(SettingsFor(upstream, extra), replace: replace));

    internal override Task WaitUntilHandlingAsync(ProxyProcess proxy, string path) => ((InProcessProxy)proxy).WaitForRequestAsync(path);

    /// <summary>Moves the proxy's clock past the interval, which starts its read of both tables, and waits for that read.</summary>
    internal override async Task PassRefreshIntervalAsync(ProxyProcess proxy, TimeSpan interval)
    {
        var inProcess = (InProcessProxy)proxy;
        var clock = inProcess.Clock ?? throw new InvalidOperationException("The proxy runs on the system's clock: start it with StartProxyWithTestClockAsync.");
        var keys = inProcess.Services.GetRequiredService<KeyDirectory>();
        var tiers = inProcess.Services.GetRequiredService<TierDirectory>();
        var before = clock.GetUtcNow();

        clock.Advance(interval);

        await Eventually.TrueAsync(() => Task.FromResult(keys.ReadAt > before && tiers.ReadAt > before), TimeSpan.FromSeconds(30),
            "the keys and tiers tables read on the tick of the refresh timer");
    }
}
