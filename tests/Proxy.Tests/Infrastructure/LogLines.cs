namespace Proxy.Tests.Infrastructure;

/// <summary>Finds the lines a proxy process wrote to its console, waiting for the ones it writes after answering.</summary>
internal static class LogLines
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    /// <summary>The first line of <paramref name="proxy"/> that contains every one of <paramref name="parts"/>, once it is written.</summary>
    public static async Task<string> WaitForAsync(ProxyProcess proxy, params string[] parts)
    {
        string? found = null;
        await Eventually.TrueAsync(() => Task.FromResult((found = Find(proxy, parts)) is not null), s_timeout,
            "a log line with " + string.Join(", ", parts));
        return found!;
    }

    /// <summary>
    /// Waits for the access line with <paramref name="part"/>, the last line a request gets. The Functions host relays the
    /// worker's lines only some of the time, so there it is given a second instead.
    /// </summary>
    public static async Task WaitForAccessLineAsync(ProxyProcess proxy, string part)
    {
        if (proxy.Kind == ProxyHostKind.Functions)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            return;
        }

        await WaitForAsync(proxy, "[1200]", part);
    }

    public static string? Find(ProxyProcess proxy, params string[] parts) =>
        proxy.Output.FirstOrDefault(line => parts.All(part => line.Contains(part, StringComparison.Ordinal)));

    /// <summary>The 12 hex digits a log line names the key by.</summary>
    public static string KeyIdOf(string apiKey) => Proxy.Auth.ApiKeyHash.Prefix(Proxy.Auth.ApiKeyHash.Of(apiKey));
}
