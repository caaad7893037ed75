using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Cli;

/// <summary><c>proxy-cli failures tail</c> as its own process: a service manager's stop or Ctrl+C ends it with exit 0.</summary>
[Trait(Layer.Name, Layer.EndToEnd)]
public sealed class FailureTailSignalTests
{
    [Theory]
    [InlineData("-TERM")]
    [InlineData("-INT")]
    public async Task Tail_StopsOnASignal_WithExitZero(string signal)
    {
        var azurite = await SharedAzurite.GetAsync();
        using var tail = RunningCliProcess.Start(azurite.ConnectionString, ["failures", "tail", "--interval", "1s"],
            ("Proxy__Failures__TableName", "failures" + Guid.NewGuid().ToString("N")));
        await tail.WaitForErrorAsync("Watching the failure archive", TimeSpan.FromSeconds(60));

        await tail.SignalAsync(signal);

        Assert.Equal(0, await tail.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        CliAssert.NoStackTrace(tail.Output + tail.Error);
    }
}
