using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// What the token budget's specifications share: a <see cref="MeteringUpstream"/> of their own, and proxies in front of it
/// whose free tier has no request limit, <see cref="Limit"/> tokens an hour, and reserves <see cref="DefaultCap"/>
/// completion tokens for a request without a cap. The upstream answers <c>100 + min(200, cap)</c> tokens, and its prompt of
/// 100 never exceeds a request body here, as a prompt's bytes never fall short of its tokens.
/// </summary>
public abstract class MeteredProxySpec(ProxyFixture fixture) : IAsyncLifetime
{
    protected const long Limit = 1000;
    protected const long DefaultCap = 200;

    // Makes every body longer than the upstream's prompt of 100 tokens.
    protected static readonly string Prompt = "Say hi. " + new string('.', 100);

    protected ProxyFixture Fixture { get; } = fixture;

    internal MeteringUpstream Upstream { get; private set; } = null!;

    public async Task InitializeAsync() => Upstream = await MeteringUpstream.StartAsync();

    public async Task DisposeAsync() => await Upstream.DisposeAsync();

    protected static string Chat(string more = "", string model = "gpt") =>
        $"{{\"model\":\"{model}\",\"messages\":[{{\"role\":\"user\",\"content\":\"{Prompt}\"}}]{more}}}";

    protected static string NewKey() => "sk-tokens-" + Guid.NewGuid().ToString("N");

    protected static (string, string) TiersTable() => ("Proxy__Tiers__TableName", "tiers" + Guid.NewGuid().ToString("N"));

    private protected Task<ProxyProcess> StartAsync(params (string Name, string Value)[] settings) => StartWithTiersAsync(TiersTable(), settings);

    /// <summary>A proxy with the free tier of this spec; later settings win over it.</summary>
    private protected Task<ProxyProcess> StartWithTiersAsync((string Name, string Value) tiers, params (string Name, string Value)[] settings) =>
        Fixture.StartProxyAsync(Upstream.BaseAddress,
        [
            tiers,
            ("Proxy__Quota__FreeRequestsPerHour", string.Empty),
            ("Proxy__Quota__FreeTokensPerHour", Limit.ToString(CultureInfo.InvariantCulture)),
            ("Proxy__Quota__FreeDefaultMaxTokens", DefaultCap.ToString(CultureInfo.InvariantCulture)),
            .. settings,
        ]);

    private protected static HttpClient Client(ProxyProcess proxy, string key, bool gzip, int connections = 1)
    {
        var http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = connections,
            AutomaticDecompression = gzip ? DecompressionMethods.GZip : DecompressionMethods.None,
        })
        {
            BaseAddress = proxy.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return http;
    }

    protected static Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string body) =>
        http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    protected static async Task<JsonElement> QuotaAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/quota");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>
    /// The key's <c>/quota</c> once no reservation is left in its row. A request's usage is settled after its answer has
    /// gone to the client, and written with the process's next write, so a read right after the answers may come first.
    /// </summary>
    protected static async Task<JsonElement> SettledQuotaAsync(HttpClient http)
    {
        JsonElement quota = default;
        await Eventually.TrueAsync(
            async () => (quota = await QuotaAsync(http)).GetProperty("tokens").GetProperty("reserved").GetInt64() == 0,
            TimeSpan.FromSeconds(30),
            "every answer's usage settled in the key's row");
        return quota;
    }

    protected static void AssertTokens(JsonElement quota, long used, long reserved)
    {
        var tokens = quota.GetProperty("tokens");
        Assert.Equal(Limit, tokens.GetProperty("limit").GetInt64());
        Assert.Equal(used, tokens.GetProperty("used").GetInt64());
        Assert.Equal(reserved, tokens.GetProperty("reserved").GetInt64());
        Assert.Equal(Math.Max(0, Limit - used - reserved), tokens.GetProperty("remaining").GetInt64());
    }
}
