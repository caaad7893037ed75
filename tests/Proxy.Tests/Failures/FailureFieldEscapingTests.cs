using System.Text;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Failures;

/// <summary>
/// A control character a client sends (here in the model its body names) cannot forge a line of
/// the console log, and reaches the record as visible text.
/// </summary>
public abstract class FailureFieldEscapingTests(ProxyFixture fixture)
{
    [Fact]
    public async Task ModelWithNewlinesAndLineSeparators_IsEscapedInTheLogLineAndTheRecord()
    {
        const string Forged = "FORGED-LINE-5c1e";
        using var client = ProxyFixture.ClientFor(fixture.Proxy);
        using var body = new StringContent(
            $$"""{"model":"gpt\n{{Forged}} warn: Proxy[4000] Failure\r\u2028x\u0085y\u0007","messages":[]}""", Encoding.UTF8, "application/json");

        using var response = await client.PostAsync("/v1/errors/openai/500", body);

        Assert.Equal(500, (int)response.StatusCode);
        var requestId = Assert.Single(response.Headers.GetValues("x-request-id"));
        var record = await fixture.Failures.WaitForAsync(requestId);
        Assert.Equal($@"gpt\n{Forged} warn: Proxy[4000] Failure\r\u2028x\u0085y\u0007", record.Model);
        if (fixture.Kind != ProxyHostKind.Functions)
        {
            // The Functions host relays the worker's log events to its console only some of the time; where it does, the
            // check below holds there too.
            await Eventually.TrueAsync(() => Task.FromResult(fixture.Proxy.Output.Any(line => line.Contains(requestId, StringComparison.Ordinal))),
                TimeSpan.FromSeconds(10), "the failure's log line is written");
            Assert.Contains(fixture.Proxy.Output, line => line.Contains(Forged, StringComparison.Ordinal));
        }

        var lines = fixture.Proxy.Output.Where(line => line.Contains(Forged, StringComparison.Ordinal)).ToList();
        Assert.All(lines, line => Assert.Contains(requestId, line, StringComparison.Ordinal));
    }
}

public sealed class FailureFieldEscapingTestsInProcess(InProcessFixture fixture) : FailureFieldEscapingTests(fixture), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class FailureFieldEscapingTestsOnFunctionsHost(FunctionsHostFixture fixture) : FailureFieldEscapingTests(fixture);
