namespace Proxy.Tests.Infrastructure;

/// <summary>Waits for something the proxy does in the background (archiving, creating a queue) to become true.</summary>
internal static class Eventually
{
    /// <summary>Checks <paramref name="condition"/> every 200 ms; fails the test, naming <paramref name="what"/>, after <paramref name="timeout"/>.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"Not within {timeout}: {what}.");
    }
}
