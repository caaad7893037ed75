using System.Text.Json;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Functions;

/// <summary>What the Functions host reads from the build output: one anonymous catch-all HTTP trigger, and the root host.json.</summary>
public sealed class FunctionsBuildOutputTests
{
    private static JsonElement ReadOutputJson(string file)
    {
        var path = Path.Combine(RepositoryPaths.FunctionsOutput, file);
        Assert.True(File.Exists(path), $"{path} exists after the build");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
    }

    [Fact]
    public void FunctionsMetadata_HasOneAnonymousCatchAllHttpTriggerForEveryMethod()
    {
        var function = Assert.Single(ReadOutputJson("functions.metadata").EnumerateArray(),
            function => function.GetProperty("bindings").EnumerateArray().Any(binding => binding.GetProperty("type").GetString() == "httpTrigger"));
        Assert.Equal("Proxy", function.GetProperty("name").GetString());
        Assert.Equal("dotnet-isolated", function.GetProperty("language").GetString());

        var trigger = Assert.Single(function.GetProperty("bindings").EnumerateArray(),
            binding => binding.GetProperty("type").GetString() == "httpTrigger");
        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString(), ignoreCase: true);
        Assert.Equal("{*path}", trigger.GetProperty("route").GetString());

        // No method list means every method, OPTIONS and PATCH included.
        Assert.False(trigger.TryGetProperty("methods", out var methods) && methods.ValueKind == JsonValueKind.Array && methods.GetArrayLength() > 0);
        Assert.Contains(function.GetProperty("bindings").EnumerateArray(),
            binding => binding.GetProperty("type").GetString() == "http" && binding.GetProperty("direction").GetString() == "Out");
    }

    [Fact]
    public void FunctionsMetadata_HasTheHourlyQuotaRetentionTimer()
    {
        var function = Assert.Single(ReadOutputJson("functions.metadata").EnumerateArray(),
            function => function.GetProperty("name").GetString() == "QuotaRetention");

        var trigger = Assert.Single(function.GetProperty("bindings").EnumerateArray());
        Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("0 7 * * * *", trigger.GetProperty("schedule").GetString());
    }

    [Fact]
    public void FunctionsMetadata_ArchivesTheConfiguredFailureQueue()
    {
        var function = Assert.Single(ReadOutputJson("functions.metadata").EnumerateArray(),
            function => function.GetProperty("name").GetString() == "FailureArchive");

        var trigger = Assert.Single(function.GetProperty("bindings").EnumerateArray());
        Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("%Proxy:Failures:QueueName%", trigger.GetProperty("queueName").GetString());
        Assert.Equal("AzureWebJobsStorage", trigger.GetProperty("connection").GetString());
    }

    [Fact]
    public void HostJson_SendsAMessageToThePoisonQueueAfterFiveAttempts()
    {
        var queues = ReadOutputJson("host.json").GetProperty("extensions").GetProperty("queues");

        Assert.Equal(5, queues.GetProperty("maxDequeueCount").GetInt32());
    }

    [Fact]
    public void HostJson_InTheOutputIsTheRootOneWithAnEmptyRoutePrefix()
    {
        var output = ReadOutputJson("host.json");

        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "host.json")), File.ReadAllText(Path.Combine(RepositoryPaths.FunctionsOutput, "host.json")));
        Assert.Equal("2.0", output.GetProperty("version").GetString());
        Assert.Equal(string.Empty, output.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    [Fact]
    public void WorkerConfig_StartsTheIsolatedWorker()
    {
        var description = ReadOutputJson("worker.config.json").GetProperty("description");

        Assert.Equal("dotnet-isolated", description.GetProperty("language").GetString());
        Assert.Equal("Proxy.Functions.dll", description.GetProperty("defaultWorkerPath").GetString());
    }
}
