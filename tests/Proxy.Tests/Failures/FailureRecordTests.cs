using System.Net;
using System.Net.Sockets;
using System.Text;
using Proxy.Auth;
using Proxy.Failures;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Failures;

/// <summary>Each kind of failure, provoked for real, puts exactly one record on the queue, with the right fields and nothing secret.</summary>
public abstract class FailureRecordTests(ProxyFixture fixture)
{
    private const string SecretBodyMarker = "SECRET-BODY-MARKER-7f3a";
    private static readonly string s_clientKeyId = ApiKeyHash.Prefix(ApiKeyHash.Of(ProxyFixture.ClientKey));

    private static StringContent ChatBody(string model) =>
        new($$"""{"model":"{{model}}","messages":[{"role":"user","content":"{{SecretBodyMarker}}"}]}""", Encoding.UTF8, "application/json");

    private static string RequestIdOf(HttpResponseMessage response) => Assert.Single(response.Headers.GetValues("x-request-id"));

    private async Task<FailureRecord> RecordOfAsync(string requestId, string kind, int statusCode, string source, string path)
    {
        var record = await fixture.Failures.WaitForAsync(requestId);
        Assert.Equal(FailureRecord.CurrentSchemaVersion, record.SchemaVersion);
        Assert.Equal(kind, record.Kind);
        Assert.Equal(statusCode, record.StatusCode);
        Assert.Equal(source, record.Source);
        Assert.Equal(path, record.Path);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", record.Timestamp);
        Assert.False(string.IsNullOrEmpty(record.Message));
        Assert.False(string.IsNullOrEmpty(record.Instance));
        Assert.InRange(record.DurationMs, 0, 60_000);
        return record;
    }

    [Fact]
    public async Task UpstreamError_RecordsUpstreamStatusIdModelAndKeyHash()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/errors/openai/500") { Content = ChatBody("gpt-upstream") };
        request.Headers.Add("X-Client-Request-Id", "client-abc.1");

        using var response = await client.SendAsync(request);

        var record = await RecordOfAsync(RequestIdOf(response), "upstream_error", 500, "upstream", "/v1/errors/openai/500");
        Assert.Equal(FakeUpstream.ErrorMessage("openai", 500), record.Message);
        Assert.Equal(500, record.UpstreamStatusCode);
        Assert.StartsWith("upstream-", record.UpstreamRequestId, StringComparison.Ordinal);
        Assert.Equal("gpt-upstream", record.Model);
        Assert.Equal(s_clientKeyId, record.KeyId);
        Assert.Equal("free", record.Tier);
        Assert.Equal("client-abc.1", record.ClientRequestId);
        Assert.Equal("POST", record.Method);
        Assert.True(record.RequestBytes > 0);
        Assert.True(record.ResponseBytes > 0);
    }

    [Fact]
    public async Task ProxyRefusals_EachRecordTheirKind()
    {
        const string HugeChat = """{"model":"gpt-huge","messages":[]}""";
        using var noKey = ProxyFixture.ClientFor(fixture.Proxy, withKey: false);
        using var unauthorized = await noKey.PostAsync("/v1/chat/completions", ChatBody("gpt-nokey"));
        var record = await RecordOfAsync(RequestIdOf(unauthorized), "unauthorized", 401, "proxy", "/v1/chat/completions");
        Assert.Null(record.KeyId);
        Assert.Equal("gpt-nokey", record.Model);

        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        using var notFound = await client.GetAsync("/v3/models");
        await RecordOfAsync(RequestIdOf(notFound), "not_found", 404, "proxy", "/v3/models");

        var badRequest = await RawHttp.SendAsync(fixture.Proxy.Port,
            "GET /v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer one\r\nx-api-key: two\r\nConnection: close\r\n");
        await RecordOfAsync(badRequest.Headers["x-request-id"], "bad_request", 400, "proxy", "/v1/echo");

        var tooLarge = await RawHttp.SendAsync(fixture.Proxy.Port,
            $"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ProxyFixture.ClientKey}\r\nContent-Type: application/json\r\n" +
            $"Content-Length: {ProxyFixture.MaxRequestBodySize + 1}\r\nConnection: close\r\n",
            HugeChat + fixture.DeclaredBodyTheHostReadsFirst(ProxyFixture.MaxRequestBodySize + 1 - HugeChat.Length));
        record = await RecordOfAsync(tooLarge.Headers["x-request-id"], "payload_too_large", 413, "proxy", "/v1/chat/completions");

        // A body over the limit is not read at all, not even for its model.
        Assert.Null(record.Model);
    }

    [Fact]
    public async Task QuotaExceeded_RecordsKeyTierAndModel()
    {
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, ("Proxy__Quota__FreeRequestsPerHour", "0"));
        using var client = ProxyFixture.ClientFor(proxy);

        using var response = await client.PostAsync("/v1/chat/completions", ChatBody("gpt-quota"));

        var record = await RecordOfAsync(RequestIdOf(response), "quota_exceeded", 429, "proxy", "/v1/chat/completions");
        Assert.Equal(("gpt-quota", s_clientKeyId, "free"), (record.Model, record.KeyId, record.Tier));
    }

    [Fact]
    public async Task UpstreamUnreachableAndTimeout_AreRecordedAsTheUpstreams()
    {
        using var refused = ProxyFixture.ClientFor(fixture.RefusedProxy);
        using var unreachable = await refused.GetAsync("/v1/models");
        await RecordOfAsync(RequestIdOf(unreachable), "upstream_unreachable", 502, "upstream", "/v1/models");

        using var reset = ProxyFixture.ClientFor(fixture.FaultyProxy);
        using var resetResponse = await reset.GetAsync("/v1/reset");
        await RecordOfAsync(RequestIdOf(resetResponse), "upstream_unreachable", 502, "upstream", "/v1/reset");

        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        using var timedOut = await client.GetAsync("/v1/stall?ms=10000");
        await RecordOfAsync(RequestIdOf(timedOut), "upstream_timeout", 504, "upstream", "/v1/stall");
    }

    [Fact]
    public async Task UpstreamDown_TheRecordStillNamesTheModelTheBodyNamed()
    {
        using var refused = ProxyFixture.ClientFor(fixture.RefusedProxy);

        // The upstream never read the body: the model comes from what the client sent, not from what went upstream.
        using var unreachable = await refused.PostAsync("/v1/chat/completions", ChatBody("gpt-4o"));

        Assert.Equal("gpt-4o", (await RecordOfAsync(RequestIdOf(unreachable), "upstream_unreachable", 502, "upstream", "/v1/chat/completions")).Model);
    }

    [Fact]
    public async Task ClientAbortingMidStream_IsRecordedAsTheClients()
    {
        string requestId;
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(IPAddress.Loopback, fixture.Proxy.Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"GET /v1/slow-stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ProxyFixture.ClientKey}\r\n\r\n"));
            var head = new byte[4096];
            var read = await stream.ReadAsync(head);
            var text = Encoding.ASCII.GetString(head, 0, read);
            requestId = text.Split("\r\n").Single(line => line.StartsWith("x-request-id:", StringComparison.OrdinalIgnoreCase))["x-request-id:".Length..].Trim();
        }

        var record = await RecordOfAsync(requestId, "client_aborted", 499, "client", "/v1/slow-stream");
        Assert.Equal(200, record.UpstreamStatusCode);
    }

    [Fact]
    public async Task ErrorEventInsideA200Stream_IsRecordedAsAStreamError()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);

        using var response = await client.GetAsync("/v1/sse-error");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(FakeUpstream.StreamErrorMessage, body, StringComparison.Ordinal);
        var record = await RecordOfAsync(RequestIdOf(response), "stream_error", 200, "upstream", "/v1/sse-error");
        Assert.Equal(FakeUpstream.StreamErrorMessage, record.Message);
        Assert.Equal(200, record.UpstreamStatusCode);
    }

    [Fact]
    public async Task TableStorageHanging_FailOpenAdmissionIsRecorded()
    {
        using var blackHole = new BlackHoleListener();
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("AzureWebJobsStorage", AzuriteProcess.ConnectionStringFor(blackHole.Port, fixture.Azurite.QueuePort)),
            ("Proxy__Quota__FreeRequestsPerHour", "10"),
            ("Proxy__Quota__StoreTimeout", "00:00:00.500"));
        using var client = ProxyFixture.ClientFor(proxy);

        using var response = await client.GetAsync("/v1/echo");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = await RecordOfAsync(RequestIdOf(response), "quota_store_unavailable", 200, "proxy", "/v1/echo");
        Assert.Equal(s_clientKeyId, record.KeyId);
    }

    [Fact]
    public async Task DisabledKey_IsRecordedAsForbidden()
    {
        var storage = fixture.Azurite.ConnectionString;
        var created = await InProcessCli.RunAsync(storage, "keys", "create", "--name", "forbidden-record");
        var id = created.Output.Split('\n').Single(line => line.StartsWith("id:", StringComparison.Ordinal))["id:".Length..].Trim();
        var key = created.Output.Split('\n').Single(line => line.StartsWith("key:", StringComparison.Ordinal))["key:".Length..].Trim();
        Assert.Equal(0, (await InProcessCli.RunAsync(storage, "keys", "disable", id)).ExitCode);
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress);
        using var client = ProxyFixture.ClientFor(proxy, withKey: false);
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);

        using var response = await client.GetAsync("/v1/echo");

        var record = await RecordOfAsync(RequestIdOf(response), "forbidden", 403, "proxy", "/v1/echo");
        Assert.Equal(id, record.KeyId);
    }

    [Fact]
    public async Task NoRecordOrLogLine_CarriesAKeyAnAuthorizationValueOrABody()
    {
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        using var upstreamError = await client.PostAsync("/v1/errors/aimlapi/400", ChatBody("gpt-leak"));
        using var keyInjected = ProxyFixture.ClientFor(fixture.KeyInjectingProxy);
        using var injectedError = await keyInjected.PostAsync("/v1/errors/text/502", ChatBody("gpt-leak"));
        await fixture.Failures.WaitForAsync(RequestIdOf(upstreamError));
        await fixture.Failures.WaitForAsync(RequestIdOf(injectedError));

        string[] secrets = [ProxyFixture.ClientKey, ProxyFixture.UpstreamKey, "Bearer ", SecretBodyMarker, "AccountKey", "Eby8vdM02x"];
        var everything = fixture.Failures.RawMessages.Concat(fixture.AllProxies.SelectMany(proxy => proxy.Output)).ToList();
        Assert.True(everything.Count > 10, "there are records and log lines to search");
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(everything, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }
}

public sealed class FailureRecordTestsInProcess(InProcessFixture fixture) : FailureRecordTests(fixture), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class FailureRecordTestsOnFunctionsHost(FunctionsHostFixture fixture) : FailureRecordTests(fixture);
