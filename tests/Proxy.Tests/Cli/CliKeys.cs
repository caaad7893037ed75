using System.Text.RegularExpressions;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Cli;

/// <summary>Keys made as an operator makes them, with <c>proxy-cli keys create</c>, for the tests that then use them against a proxy.</summary>
internal static partial class CliKeys
{
    /// <summary>The key the CLI printed once, and its id as <c>keys list</c> shows it.</summary>
    public static async Task<(string Key, string Id)> CreateAsync(string storage, string[] options, params (string Name, string Value)[] settings)
    {
        var (exitCode, output) = await InProcessCli.RunAsync(storage, ["keys", "create", .. options], settings);
        Assert.True(exitCode == 0, output);
        return Printed(output);
    }

    /// <summary>The key a command printed once (<c>keys create</c>, <c>keys rotate</c>), and its id as <c>keys list</c> shows it.</summary>
    public static (string Key, string Id) Printed(string output)
    {
        var match = PrintedKey().Match(output);
        Assert.True(match.Success, output);
        return (match.Groups["key"].Value, match.Groups["id"].Value);
    }

    /// <summary>A GET of <c>/v1/echo</c> with <paramref name="key"/>, as a client of <paramref name="proxy"/> sends it.</summary>
    public static async Task<HttpResponseMessage> SendAsync(ProxyProcess proxy, string key, string client)
    {
        using var http = ProxyFixture.ClientFor(proxy, withKey: false);
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return await http.GetAsync("/v1/echo?client=" + client);
    }

    /// <summary>
    /// Sends with <paramref name="key"/> until the proxy answers with <paramref name="limit"/> as the key's limit; how many
    /// of those requests were counted (they carry the rate-limit headers; one admitted uncounted has none).
    /// </summary>
    public static async Task<int> SendUntilLimitAsync(ProxyProcess proxy, string key, string client, string limit)
    {
        var counted = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            using var response = await SendAsync(proxy, key, client);
            var counts = response.Headers.TryGetValues("X-RateLimit-Limit", out var values);
            counted += counts ? 1 : 0;
            var last = counts ? values!.Single() : $"no limit header ({(int)response.StatusCode})";
            if (last == limit)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Not within 20 s: the proxy enforces {limit} for the {client} key (last answer: {last}).");
            await Task.Delay(200);
        }

        return counted;
    }

    [GeneratedRegex(@"key: (?<key>sk-\S+)\s+id:\s+(?<id>[0-9a-f]{12})")]
    private static partial Regex PrintedKey();
}
