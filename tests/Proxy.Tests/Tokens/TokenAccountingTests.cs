using System.Globalization;
using System.Net;
using System.Text;
using Proxy.Tests.Infrastructure;
using Proxy.Tests.Usage;

namespace Proxy.Tests.Tokens;

/// <summary>
/// What a client or an upstream does to the count cannot make it smaller than the tokens used: a flood of made-up keys
/// changes nothing for the next key, an upstream's largest figure uses up the hour without wrapping it, an answer whose
/// usage cannot be read is charged its reservation, <c>"error": null</c> is no error, a 200 stream that carried an error
/// event is a failure in the ledger and still counted, and a request whose cap can never fit is refused before the call.
/// </summary>
public abstract class TokenAccountingTests(ProxyFixture fixture) : MeteredProxySpec(fixture)
{
    [Fact]
    public async Task AFloodOfMadeUpKeys_ChangesNothingForTheNextKey()
    {
        // A ledger with room for 100 key-hours, so that the flood fills it many times over.
        await using var proxy = await StartAsync(("Proxy__Usage__MaxKeyHours", "100"));
        using var flood = ProxyFixture.ClientFor(proxy, withKey: false);
        await Parallel.ForEachAsync(Enumerable.Range(0, 2000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, cancellationToken) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
            request.Headers.Authorization = new("Bearer", "sk-made-up-" + i.ToString(CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N"));
            using var response = await flood.SendAsync(request, cancellationToken);
        });

        using var http = Client(proxy, NewKey(), gzip: false);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await PostAsync(http, "/v1/chat/completions", Chat());
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task AnUpstreamReportingInt64MaxTokens_UsesUpTheHour_NeverWrapsIt()
    {
        await using var proxy = await StartAsync();
        using var http = Client(proxy, NewKey(), gzip: false);

        using var first = await PostAsync(http, "/v1/chat/completions", Chat(model: "overflow"));
        using var second = await PostAsync(http, "/v1/chat/completions", Chat());
        using var third = await PostAsync(http, "/v1/chat/completions", Chat(model: "overflow"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        AssertTokens(await SettledQuotaAsync(http), long.MaxValue, reserved: 0);
    }

    [Fact]
    public async Task AnAnswerWithoutUsage_IsChargedItsReservation()
    {
        await using var proxy = await StartAsync();
        using var http = Client(proxy, NewKey(), gzip: false);
        var body = Chat(model: "no-usage");

        using var response = await PostAsync(http, "/v1/chat/completions", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertTokens(await SettledQuotaAsync(http), Encoding.UTF8.GetByteCount(body) + DefaultCap, reserved: 0);
    }

    /// <summary>
    /// <c>error-null</c> sends <c>"error": null</c> on every chunk, which is no error; <c>stream-error</c> sends an error event
    /// before its usage: a failure of the upstream's in the ledger (the <c>/quota</c> call is the other request, succeeded).
    /// Either way the stream's usage is read and counted.
    /// </summary>
    [Theory]
    [InlineData("error-null", 0)]
    [InlineData("stream-error", 1)]
    public async Task AStreamIsFailedByItsErrorEventsAlone_AndItsUsageCountedEitherWay(string model, long failedUpstream)
    {
        var table = UsageLedgerTests.UsageTableSetting();
        await using var proxy = await StartAsync(table, ("Proxy__Usage__FlushInterval", "00:00:01"));
        var key = NewKey();
        using var http = Client(proxy, key, gzip: false);

        using var response = await PostAsync(http, "/v1/chat/completions", Chat(", \"stream\": true", model: model));
        await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertTokens(await SettledQuotaAsync(http), MeteringUpstream.AnswerTokens(), reserved: 0);
        var row = await UsageLedgerTests.WaitForRequestsAsync(Fixture.Azurite.ConnectionString, key, 2, table);
        Assert.Equal((2 - failedUpstream, failedUpstream), (row.GetProperty("succeeded").GetInt64(), row.GetProperty("failedUpstream").GetInt64()));
    }

    [Fact]
    public async Task ARequestWhoseCapCanNeverFit_IsRefused_SayingWhatItWouldReserveAndWhatIsLeft()
    {
        await using var proxy = await StartAsync();
        using var http = Client(proxy, NewKey(), gzip: false);
        var body = Chat(", \"max_tokens\": 5000");

        using var refused = await PostAsync(http, "/v1/chat/completions", body);

        var reservation = (Encoding.UTF8.GetByteCount(body) + 5000).ToString(CultureInfo.InvariantCulture);
        await ErrorBodyAssert.MatchesAsync(refused, 429, "/v1/chat/completions",
            $"Token limit: This request may use up to {reservation} tokens (its prompt and its max_tokens), and 1000 are left for the hour.");
        Assert.Equal("false", Assert.Single(refused.Headers.GetValues("x-should-retry")));
        Assert.Empty(Upstream.Requests);
        AssertTokens(await SettledQuotaAsync(http), 0, reserved: 0);
    }
}

public sealed class TokenAccountingTestsInProcess(InProcessFixture fixture) : TokenAccountingTests(fixture), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class TokenAccountingTestsOnFunctionsHost(FunctionsHostFixture fixture) : TokenAccountingTests(fixture);
