namespace Proxy.Tests.Cli;

/// <summary>What an operator sees when the CLI refuses: the exit code, a message that says what to do, and no stack trace.</summary>
internal static class CliAssert
{
    public static void Refused((int ExitCode, string Output) result, int exitCode, params string[] messageParts)
    {
        Assert.True(result.ExitCode == exitCode, $"exit code {result.ExitCode}, expected {exitCode}; output:\n{result.Output}");
        foreach (var part in messageParts)
        {
            Assert.Contains(part, result.Output, StringComparison.Ordinal);
        }

        NoStackTrace(result.Output);
    }

    public static void NoStackTrace(string output)
    {
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }
}
