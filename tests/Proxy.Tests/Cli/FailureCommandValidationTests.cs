using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Cli;

/// <summary>`failures …` takes look-backs in minutes to weeks, and refuses a report it cannot write with a message, not a stack trace.</summary>
[Collection(OnStandaloneHost.Name)]
public sealed class FailureCommandValidationTests(StandaloneHostFixture fixture)
{
    private readonly string _tableName = "failures" + Guid.NewGuid().ToString("N")[..8];

    [Theory]
    [InlineData("90m")]
    [InlineData("24h")]
    [InlineData("7d")]
    [InlineData("2w")]
    public async Task Since_TakesMinutesHoursDaysAndWeeks(string since)
    {
        var result = await CliAsync("failures", "summary", "--since", since);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("Failures from", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2y")]
    [InlineData("0h")]
    [InlineData("-3d")]
    public async Task Since_NotADuration_IsAUsageError(string since) =>
        CliAssert.Refused(await CliAsync("failures", "summary", "--since", since), 2, $"--since '{since}' is not a duration", "90m, 24h, 7d, 2w");

    [Fact]
    public async Task Report_IntoAMissingFolder_SaysSo()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-folder-" + Guid.NewGuid().ToString("N"));

        CliAssert.Refused(await CliAsync("failures", "report", "--html", Path.Combine(missing, "report.html")), 1,
            $"The folder {missing} does not exist");
        Assert.False(Directory.Exists(missing));
    }

    private Task<(int ExitCode, string Output)> CliAsync(params string[] arguments) =>
        CliProcess.RunAsync(fixture.Azurite.ConnectionString, arguments, ("Proxy__Failures__TableName", _tableName));
}
