using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Cli;

/// <summary>Storage that does not answer is one line naming the endpoint and what went wrong, exit 1, for every command.</summary>
public sealed class CommandFailureTests
{
    public static TheoryData<string[]> Commands => new()
    {
        { ["keys", "list"] },
        { ["keys", "create", "--name", "nowhere"] },
        { ["keys", "usage", "abc"] },
        { ["failures", "summary", "--since", "1h"] },
        { ["failures", "show", "some-request"] },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task StorageRefusingConnections_IsOneLineNamingTheEndpoint(string[] arguments)
    {
        var port = LoopbackPort.Unused();

        var result = await InProcessCli.RunAsync(AzuriteProcess.ConnectionStringFor(port), arguments);

        CliAssert.Refused(result, 1, $"Storage at http://127.0.0.1:{port} did not answer (connection refused)", "scripts/start-local.sh");
        Assert.Single(result.Output.Trim().Split('\n'));
        Assert.DoesNotContain("Retry failed", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey", result.Output, StringComparison.Ordinal);
    }
}
