using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Usage;

/// <summary>
/// The usage ledger counts every request with an accepted key by its key and UTC hour, as the client saw it: successes,
/// failures by whose fault, quota refusals, and the tokens the upstream reported, from a JSON answer and from the last
/// chunk of a stream that asked for them. <c>proxy-cli usage --json</c> shows the totals once a flush has written them.
/// </summary>
public abstract class UsageLedgerTests(ProxyFixture fixture)
{
    internal static readonly TimeSpan FlushWait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AScriptedRun_IsShownByTheCli_WithItsExactCountsAndTokens()
    {
        var table = UsageTableSetting();
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            table, ("Proxy__Usage__FlushInterval", "00:00:01"), ("Proxy__Quota__FreeRequestsPerHour", "6"));
        var key = "sk-usage-" + Guid.NewGuid().ToString("N");
        using var http = ProxyFixture.ClientFor(proxy, withKey: false);
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        var sent = new Tally();

        sent.Add(await CompleteAsync(http, "gpt-4o"), plainTokens: true);
        sent.Add(await StreamWithUsageAsync(http), streamTokens: true);
        sent.Add(await CompleteAsync(http, "fail-500"));
        sent.Add(await CompleteAsync(http, "fail-400"));

        // Until the hour is used up: the 500 gave its unit back, a request admitted uncounted while the store warmed up did
        // not use one, so how many it takes is counted, not assumed.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (sent.Refused == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "No quota 429 within 30 s with a limit of 6.");
            sent.Add(await CompleteAsync(http, "gpt-4o"), plainTokens: true);
        }

        Assert.Equal(1, sent.FailedUpstream);
        Assert.Equal(1, sent.FailedClient);
        var row = await WaitForRequestsAsync(fixture.Azurite.ConnectionString, key, sent.Requests, table);

        Assert.Equal(KeyIdOf(key), row.GetProperty("keyId").GetString());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("name").ValueKind);
        Assert.Equal(sent.Requests, row.GetProperty("requests").GetInt64());
        Assert.Equal(sent.Succeeded, row.GetProperty("succeeded").GetInt64());
        Assert.Equal(sent.FailedClient + sent.FailedUpstream, row.GetProperty("failed").GetInt64());
        Assert.Equal(sent.FailedClient, row.GetProperty("failedClient").GetInt64());
        Assert.Equal(sent.FailedUpstream, row.GetProperty("failedUpstream").GetInt64());
        Assert.Equal(0, row.GetProperty("failedProxy").GetInt64());
        Assert.Equal(sent.Refused, row.GetProperty("refused").GetInt64());
        Assert.Equal(sent.PromptTokens, row.GetProperty("promptTokens").GetInt64());
        Assert.Equal(sent.CompletionTokens, row.GetProperty("completionTokens").GetInt64());
        Assert.Equal(sent.Requests, row.GetProperty("latency").GetProperty("count").GetInt64());
        Assert.True(row.GetProperty("responseBytes").GetInt64() > 0, row.ToString());
        var hour = DateTimeOffset.Parse(row.GetProperty("hour").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.Zero, hour.Offset);
        Assert.True(DateTimeOffset.UtcNow - hour < TimeSpan.FromHours(2), row.ToString());

        // The same row as a table: the hour, the key, '-' for a key with no name, then the counts in order.
        var (exitCode, text) = await InProcessCli.RunAsync(fixture.Azurite.ConnectionString, ["usage", "--key", KeyIdOf(key)], table);
        Assert.True(exitCode == 0, text);
        Assert.Matches(
            $@"(?m)^{hour:yyyy-MM-dd HH}:00Z\s+{KeyIdOf(key)}\s+-\s+{sent.Requests}\s+{sent.Succeeded}\s+{sent.FailedClient + sent.FailedUpstream}\s+" +
            $@"{sent.FailedClient}\s+{sent.FailedUpstream}\s+0\s+{sent.Refused}\s+{sent.PromptTokens}\s+{sent.CompletionTokens}\s",
            text);
    }

    internal static (string Name, string Value) UsageTableSetting() => ("Proxy__Usage__TableName", "usage" + Guid.NewGuid().ToString("N"));

    internal static string KeyIdOf(string key) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..12];

    /// <summary>Runs <c>proxy-cli usage --json --key</c> until the key's row shows <paramref name="requests"/> requests; that row.</summary>
    internal static async Task<JsonElement> WaitForRequestsAsync(string storage, string key, long requests, params (string Name, string Value)[] settings)
    {
        JsonElement? found = null;
        string last = string.Empty;
        await Eventually.TrueAsync(async () =>
        {
            var (exitCode, output) = await InProcessCli.RunAsync(storage, ["usage", "--json", "--key", KeyIdOf(key), "--since", "2h"], settings);
            last = output;
            Assert.True(exitCode == 0, output);
            using var rows = JsonDocument.Parse(output);
            var row = rows.RootElement.EnumerateArray().SingleOrDefault(row => row.GetProperty("keyId").GetString() == KeyIdOf(key));
            found = row.ValueKind == JsonValueKind.Object ? row.Clone() : null;
            return found?.GetProperty("requests").GetInt64() == requests;
        }, FlushWait, $"proxy-cli usage shows {requests} requests for the key (last output: {last})");
        return found!.Value;
    }

    internal static async Task<HttpStatusCode> CompleteAsync(HttpClient http, string model)
    {
        using var response = await http.PostAsJsonAsync("/v1/chat/completions", new { model, messages = new[] { new { role = "user", content = "Hi" } } });
        await response.Content.ReadAsByteArrayAsync();
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> StreamWithUsageAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "gpt-4o",
            stream = true,
            stream_options = new { include_usage = true },
            messages = new[] { new { role = "user", content = "Hi" } },
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"usage\":{", body, StringComparison.Ordinal);
        return response.StatusCode;
    }

    /// <summary>What the client saw, as the ledger should count it.</summary>
    private sealed class Tally
    {
        public long Requests { get; private set; }

        public long Succeeded { get; private set; }

        public long FailedClient { get; private set; }

        public long FailedUpstream { get; private set; }

        public long Refused { get; private set; }

        public long PromptTokens { get; private set; }

        public long CompletionTokens { get; private set; }

        public void Add(HttpStatusCode status, bool plainTokens = false, bool streamTokens = false)
        {
            Requests++;
            switch ((int)status)
            {
                case < 400:
                    Succeeded++;
                    PromptTokens += plainTokens ? FakeUpstream.PromptTokens : streamTokens ? FakeUpstream.StreamPromptTokens : 0;
                    CompletionTokens += plainTokens ? FakeUpstream.CompletionTokens : streamTokens ? FakeUpstream.StreamCompletionTokens : 0;
                    break;
                case 429:
                    Refused++;
                    break;
                case >= 500:
                    FailedUpstream++;
                    break;
                default:
                    FailedClient++;
                    break;
            }
        }
    }
}

public sealed class UsageLedgerTestsInProcess(InProcessFixture fixture) : UsageLedgerTests(fixture), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class UsageLedgerTestsOnFunctionsHost(FunctionsHostFixture fixture) : UsageLedgerTests(fixture);
