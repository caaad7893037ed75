using System.Net;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// Everything the proxy tests talk to, over real loopback sockets: the run's Azurite, the fake upstreams, and proxies on
/// one <see cref="ProxyHostKind"/>, configured as a user would configure them. A test class runs on a host by taking
/// that host's fixture: as a class fixture in process, or the fixture of that host's collection end to end. Each fixture
/// has a failure queue of its own, so that fixtures running side by side never take each other's records.
/// </summary>
public abstract class ProxyFixture(ProxyHostKind kind) : IAsyncLifetime
{
    public const string ClientKey = "sk-client-key-0123456789abcdef";
    public const string UpstreamKey = "sk-upstream-secret-fedcba9876543210";
    public static readonly TimeSpan UpstreamTimeout = TimeSpan.FromSeconds(2);
    public const long MaxRequestBodySize = 24 * 1024 * 1024;

    /// <summary>The queue every proxy of this fixture puts its failure records on.</summary>
    public string FailureQueueName { get; } = "proxy-failures-" + Guid.NewGuid().ToString("N");

    /// <summary>The host every proxy of this fixture runs on.</summary>
    public ProxyHostKind Kind { get; } = kind;

    internal AzuriteProcess Azurite { get; private set; } = null!;

    internal FakeUpstream Upstream { get; private set; } = null!;

    internal FaultyUpstream FaultyUpstream { get; private set; } = null!;

    /// <summary>In front of <see cref="Upstream"/>, passing the client's key on.</summary>
    internal ProxyProcess Proxy { get; private set; } = null!;

    /// <summary>In front of <see cref="Upstream"/>, sending <see cref="UpstreamKey"/> instead of the client's.</summary>
    internal ProxyProcess KeyInjectingProxy { get; private set; } = null!;

    /// <summary>In front of <see cref="FaultyUpstream"/>.</summary>
    internal ProxyProcess FaultyProxy { get; private set; } = null!;

    /// <summary>In front of a port nobody listens on.</summary>
    internal ProxyProcess RefusedProxy { get; private set; } = null!;

    /// <summary>Every record the proxies put on <see cref="FailureQueueName"/>, as the tests took them off it.</summary>
    internal FailureQueueReader Failures { get; private set; } = null!;

    /// <summary>Every proxy process the fixture or a test started, so that a test can read all their log lines.</summary>
    internal List<ProxyProcess> AllProxies { get; } = [];

    public async Task InitializeAsync()
    {
        var azurite = SharedAzurite.GetAsync();
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
    }

    /// <summary>
    /// The body to send after a declared Content-Length of <paramref name="length"/> bytes: none on the standalone host,
    /// which answers from the headers; all of it under the Functions host, which reads a declared body whole before the
    /// app runs, and so never lets the app answer a body that does not arrive.
    /// </summary>
    internal string DeclaredBodyTheHostReadsFirst(long length) => Kind == ProxyHostKind.Functions ? new string('x', (int)length) : string.Empty;

    /// <summary>A client of <paramref name="proxy"/> that sends the client key, as an SDK would.</summary>
    internal static HttpClient ClientFor(ProxyProcess proxy, bool withKey = true)
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

        // Azurite on a loaded machine can take seconds to answer, and a store that slow is not a dead one: the specs of what
        // the proxy does when the store does not answer in time set their own timeouts.
        ["Proxy__Quota__StoreTimeout"] = "00:00:30",
        ["Proxy__Health__ProbeTimeout"] = "00:00:30",

        // Those limits are only the defaults a tiers table is filled with on its first read: each proxy gets a table of its
        // own, so that they apply (tests of the shared table give the proxy and the CLI one table by name).
        ["Proxy__Tiers__TableName"] = "tiers" + Guid.NewGuid().ToString("N"),

        // The tests read the failure queue themselves (Failures), so the proxies leave it alone.
        ["Proxy__Failures__QueueName"] = FailureQueueName,
        ["Proxy__Failures__ArchiveInProcess"] = "false",
    };

    internal async Task<ProxyProcess> StartProxyAsync(Uri upstream, params (string Name, string Value)[] extra)
    {
        var settings = SettingsFor(upstream, extra);
        return Track<ProxyProcess>(Kind switch
        {
            ProxyHostKind.InProcess => await InProcessProxy.StartAsync(settings),
            ProxyHostKind.Standalone => await StandaloneProxyProcess.StartAsync(settings),
            _ => await FunctionsHostProcess.StartAsync(settings),
        });
    }

    /// <summary>
    /// A proxy whose refresh of the keys and tiers tables the test drives with <see cref="PassRefreshIntervalAsync"/>: in
    /// process, one on a clock the test moves; on a host process, whose clock is the machine's, an ordinary one.
    /// </summary>
    internal virtual Task<ProxyProcess> StartProxyWithTestClockAsync(Uri upstream, params (string Name, string Value)[] extra) =>
        StartProxyAsync(upstream, extra);

    /// <summary>
    /// Lets <paramref name="proxy"/>'s refresh interval of the keys and tiers tables pass with no request, and its read of
    /// them finish. A host process shows no sign of the read, so it is given the interval and a loaded machine's read time.
    /// </summary>
    internal virtual Task PassRefreshIntervalAsync(ProxyProcess proxy, TimeSpan interval) => Task.Delay(interval + TimeSpan.FromSeconds(3));

    /// <summary>
    /// Waits until <paramref name="proxy"/> is handling a request for <paramref name="path"/>. A host process shows no sign
    /// of it before it answers, so it is given a second.
    /// </summary>
    internal virtual Task WaitUntilHandlingAsync(ProxyProcess proxy, string path) => Task.Delay(TimeSpan.FromSeconds(1));

    internal Dictionary<string, string> SettingsFor(Uri upstream, params (string Name, string Value)[] extra)
    {
        var settings = SettingsFor(upstream);
        foreach (var (name, value) in extra)
        {
            settings[name] = value;
        }

        return settings;
    }

    internal T Track<T>(T proxy)
        where T : ProxyProcess
    {
        lock (AllProxies)
        {
            AllProxies.Add(proxy);
        }

        return proxy;
    }
}
