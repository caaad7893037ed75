using System.Net;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// Everything the end-to-end tests talk to, over real loopback sockets: a real Azurite, the fake upstreams,
/// and standalone proxy processes configured as a user would configure them.
/// </summary>
public sealed class ProxyFixture : IAsyncLifetime
{
    public const string ClientKey = "sk-client-key-0123456789abcdef";
    public const string UpstreamKey = "sk-upstream-secret-fedcba9876543210";
    public static readonly TimeSpan UpstreamTimeout = TimeSpan.FromSeconds(2);
    public const long MaxRequestBodySize = 24 * 1024 * 1024;
    public const string FailureQueueName = "proxy-failures";

    internal AzuriteProcess Azurite { get; private set; } = null!;

    internal FakeUpstream Upstream { get; private set; } = null!;

    internal FaultyUpstream FaultyUpstream { get; private set; } = null!;

    /// <summary>In front of <see cref="Upstream"/>, passing the client's key on.</summary>
    internal StandaloneProxyProcess Proxy { get; private set; } = null!;

    /// <summary>In front of <see cref="Upstream"/>, sending <see cref="UpstreamKey"/> instead of the client's.</summary>
    internal StandaloneProxyProcess KeyInjectingProxy { get; private set; } = null!;

    /// <summary>In front of <see cref="FaultyUpstream"/>.</summary>
    internal StandaloneProxyProcess FaultyProxy { get; private set; } = null!;

    /// <summary>In front of a port nobody listens on.</summary>
    internal StandaloneProxyProcess RefusedProxy { get; private set; } = null!;

    /// <summary>Every record the proxies put on <see cref="FailureQueueName"/>, as the tests took them off it.</summary>
    internal FailureQueueReader Failures { get; private set; } = null!;

    /// <summary>Every proxy process the fixture or a test started, so that a test can read all their log lines.</summary>
    internal List<StandaloneProxyProcess> AllProxies { get; } = [];

    public async Task InitializeAsync()
    {
        var azurite = AzuriteProcess.StartAsync();
        var upstream = FakeUpstream.StartAsync();
        Azurite = await azurite;
        Upstream = await upstream;
        FaultyUpstream = new FaultyUpstream();
        Failures = new FailureQueueReader(Azurite.ConnectionString, FailureQueueName);

        var proxies = await Task.WhenAll(
            StartProxyAsync(Upstream.BaseAddress),
            StartProxyAsync(Upstream.BaseAddress, ("Proxy__Upstream__ApiKey", UpstreamKey)),
            StartProxyAsync(FaultyUpstream.BaseAddress),
            StartProxyAsync(new Uri($"http://127.0.0.1:{LoopbackPort.Unused()}")));
        (Proxy, KeyInjectingProxy, FaultyProxy, RefusedProxy) = (proxies[0], proxies[1], proxies[2], proxies[3]);
    }

    public async Task DisposeAsync()
    {
        foreach (var proxy in new[] { Proxy, KeyInjectingProxy, FaultyProxy, RefusedProxy })
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }
        }

        Failures?.Dispose();
        await FaultyUpstream.DisposeAsync();
        await Upstream.DisposeAsync();
        await Azurite.DisposeAsync();
    }

    /// <summary>A client of <paramref name="proxy"/> that sends the client key, as an SDK would.</summary>
    internal static HttpClient ClientFor(StandaloneProxyProcess proxy, bool withKey = true)
    {
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = proxy.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (withKey)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", ClientKey);
        }

        return client;
    }

    internal Dictionary<string, string> SettingsFor(Uri upstream) => new()
    {
        ["AzureWebJobsStorage"] = Azurite.ConnectionString,
        ["Proxy__Upstream__BaseUrl"] = upstream.ToString(),
        ["Proxy__Upstream__Timeout"] = UpstreamTimeout.ToString(),
        ["Proxy__Forwarding__MaxRequestBodySize"] = MaxRequestBodySize.ToString(System.Globalization.CultureInfo.InvariantCulture),

        // The forwarding tests send far more than ten requests with one key; the quota tests set their own limits.
        ["Proxy__Quota__FreeRequestsPerHour"] = string.Empty,

        // The tests read the failure queue themselves (Failures), so the proxies leave it alone.
        ["Proxy__Failures__QueueName"] = FailureQueueName,
        ["Proxy__Failures__ArchiveInProcess"] = "false",
    };

    internal async Task<StandaloneProxyProcess> StartProxyAsync(Uri upstream, params (string Name, string Value)[] extra)
    {
        var settings = SettingsFor(upstream);
        foreach (var (name, value) in extra)
        {
            settings[name] = value;
        }

        var proxy = await StandaloneProxyProcess.StartAsync(settings);
        lock (AllProxies)
        {
            AllProxies.Add(proxy);
        }

        return proxy;
    }
}
