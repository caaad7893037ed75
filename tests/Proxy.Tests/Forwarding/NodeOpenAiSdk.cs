using System.Diagnostics;
using System.Text.Json;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Forwarding;

/// <summary>
/// The official OpenAI Node SDK (npm <c>openai</c>, pinned in package.json), run by node on its default options with only
/// the base URL changed: one chat completion, reported as one JSON line of what the caller saw and how long it took.
/// </summary>
internal static class NodeOpenAiSdk
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private const string Script = """
        import OpenAI from 'openai';
        const client = new OpenAI({ baseURL: process.env.PROXY_BASE_URL, apiKey: process.env.PROXY_KEY });
        const started = performance.now();
        try {
          const completion = await client.chat.completions.create({ model: process.env.MODEL, messages: [{ role: 'user', content: 'hi' }] });
          console.log(JSON.stringify({ status: 200, message: completion.choices[0].message.content, ms: performance.now() - started }));
        } catch (error) {
          console.log(JSON.stringify({ status: error.status ?? 0, message: String(error.message), ms: performance.now() - started }));
        }
        """;

    public static async Task<NodeSdkOutcome> CompleteChatAsync(Uri proxy, string key, string model)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--input-type=module", "-e", Script })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PROXY_BASE_URL"] = new Uri(proxy, "/v1").ToString();
        start.Environment["PROXY_KEY"] = key;
        start.Environment["MODEL"] = model;

        var (exitCode, output, error) = await ChildProcess.RunAsync(start, s_timeout, "The Node SDK call");
        var line = output.Trim();
        if (exitCode != 0 || line.Length == 0)
        {
            throw new InvalidOperationException($"node exited {exitCode}: {error}");
        }

        return JsonSerializer.Deserialize<NodeSdkOutcome>(line, s_json)
            ?? throw new InvalidOperationException("node printed no outcome.");
    }
}
