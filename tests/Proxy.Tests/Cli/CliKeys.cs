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
        var match = CreatedKey().Match(output);
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

    [GeneratedRegex(@"key: (?<key>sk-\S+)\s+id:\s+(?<id>[0-9a-f]{12})")]
    private static partial Regex CreatedKey();
}
