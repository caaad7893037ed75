using System.Net;
using System.Net.Sockets;
using System.Text;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Quota;

/// <summary>
/// A client that goes away while its request waits on the key lookup or the quota is a client that left:
/// recorded as <c>client_aborted</c>, never as the client's bad request, and not forwarded.
/// </summary>
public abstract class QuotaWaitAbortTests(ProxyFixture fixture, ITestOutputHelper output)
{
    [Theory]
    [InlineData("GET", "")]
    [InlineData("POST", "{\"model\":\"gpt-4o\",\"messages\":[]}")]
    public async Task ClientClosesWhileTheTableStoreHangs_IsRecordedAsClientAborted(string method, string body)
    {
        using var blackHole = new BlackHoleListener();
        await using var proxy = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress,
            ("AzureWebJobsStorage", AzuriteProcess.ConnectionStringFor(blackHole.Port, fixture.Azurite.QueuePort)),
            ("Proxy__Quota__FreeRequestsPerHour", "10"));
        var path = "/v1/echo/abort-" + Guid.NewGuid().ToString("N");

        // A request without a key touches no store, and shows the app is serving: under the Functions host, a request whose
        // client leaves before the host has handed it to a worker never reaches the app at all.
        using var keyless = ProxyFixture.ClientFor(proxy, withKey: false);
        using (var warmUp = await keyless.GetAsync("/v1/echo"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, warmUp.StatusCode);
        }

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, proxy.Port);
            var head = $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-abort-{Guid.NewGuid():N}\r\n" +
                (body.Length > 0 ? $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n" : string.Empty) + "\r\n";
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head + body));

            // The proxy is handling the request, and so waiting on the hanging store, when the client leaves.
            await fixture.WaitUntilHandlingAsync(proxy, path);
        }

        bool IsFailureOfThisRequest(string line) => line.Contains("Failure ", StringComparison.Ordinal) && line.Contains(" " + path + ";", StringComparison.Ordinal);
        await Eventually.TrueAsync(() => Task.FromResult(proxy.Output.Any(IsFailureOfThisRequest)), TimeSpan.FromSeconds(20), "a failure line for the request");
        await LogLines.WaitForAccessLineAsync(proxy, path);

        var lines = proxy.Output.Where(IsFailureOfThisRequest).ToList();
        lines.ForEach(output.WriteLine);

        // One record, of the client that left: no 400 of any kind, and no admission (it was never admitted).
        Assert.Contains("Failure client_aborted (499) from client", Assert.Single(lines), StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Upstream.Requests, request => request.Target == path);
    }
}

public sealed class QuotaWaitAbortTestsInProcess(InProcessFixture fixture, ITestOutputHelper output) : QuotaWaitAbortTests(fixture, output), IClassFixture<InProcessFixture>;

[Collection(OnFunctionsHost.Name)]
[Trait(OnFunctionsHost.Trait, OnFunctionsHost.TraitValue)]
[Trait(Layer.Name, Layer.Slow)]
public sealed class QuotaWaitAbortTestsOnFunctionsHost(FunctionsHostFixture fixture, ITestOutputHelper output) : QuotaWaitAbortTests(fixture, output);
