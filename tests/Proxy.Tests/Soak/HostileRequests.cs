using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Soak;

/// <summary>
/// What the hostile-input tests share: requests built to confuse a proxy (oversize, malformed, smuggling, escaping,
/// impersonating), each of which gets the documented error and none of which reaches the upstream as if it were well-formed.
/// </summary>
public abstract class HostileRequests(ProxyFixture fixture, ITestOutputHelper output)
{
    protected static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(15);
    protected static readonly string Auth = $"Authorization: Bearer {ProxyFixture.ClientKey}\r\n";

    protected ProxyFixture Fixture { get; } = fixture;

    protected ITestOutputHelper Output { get; } = output;

    /// <summary>The upstream either never saw the request, or saw a body that its framing says is incomplete.</summary>
    private protected async Task AssertNeverCompleteAsync(BodyRecordingUpstream recorder, string target)
    {
        if (!recorder.Heads.Contains(target))
        {
            Output.WriteLine($"{target}: never reached the upstream");
            return;
        }

        var body = await recorder.WaitForBodyAsync(target, AnswerBound);
        Output.WriteLine($"{target}: the upstream saw {body.BytesReceived} bytes framed by {body.Framing}, complete: {body.Complete}");
        Assert.False(body.Complete, "the upstream never took a partial body for a whole one");
    }

    /// <summary>Puts the fixture's upstream and proxy authorities where a case says <c>{upstream}</c> and <c>{proxy}</c>.</summary>
    protected string Fill(string text) => text
        .Replace("{upstream}", Fixture.Upstream.BaseAddress.Authority, StringComparison.Ordinal)
        .Replace("{proxy}", Fixture.Proxy.BaseAddress.Authority, StringComparison.Ordinal);

    protected static string Get(string target = "/v1/echo", string extraHeaders = "") =>
        $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{Auth}{extraHeaders}Connection: close\r\n\r\n";
}
