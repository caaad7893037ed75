using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Cli;

/// <summary>
/// `failures …` takes look-backs in minutes to weeks or UTC times, refuses a filter or option that cannot be one (exit 2), and a
/// report it cannot write, with a message, not a stack trace.
/// </summary>
public sealed class FailureCommandValidationTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    /// <summary>What `report` needs besides the option under test.</summary>
    private static readonly string[] s_reportFile = ["--html", "report.html"];

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
        CliAssert.Refused(await CliAsync("failures", "summary", "--since", since), 2, "--since must be a duration back from now (30s, 90m, 24h, 7d, 2w", "(e.g. --since 24h)");

    [Theory]
    [InlineData("summary", "--kind", "teapot", "--kind 'teapot' is not a failure kind: give one of bad_request,")]
    [InlineData("report", "--kind", "Upstream_Error", "--kind 'Upstream_Error' is not a failure kind")]
    [InlineData("summary", "--status", "99", "--status must be an HTTP status from 100 to 599 (e.g. --status 502); 499 is a client that went away.")]
    [InlineData("tail", "--status", "abc", "--status must be an HTTP status from 100 to 599")]
    [InlineData("summary", "--status", "600", "--status must be an HTTP status from 100 to 599")]
    [InlineData("summary", "--model", "", "--model must be a model's name, 1 to 256 characters.")]
    [InlineData("summary", "--until", "yesterday", "--until must be a duration back from now (30s, 90m, 24h, 7d, 2w, or a time span such as 01:30:00) or a UTC time in ISO 8601 (2026-12-01 or 2026-12-01T09:00Z) (e.g. --until 1h).")]
    [InlineData("summary", "--since", "2026-13-01", "--since must be a duration back from now")]
    [InlineData("tail", "--interval", "0.5s", "--interval must be a duration from 1s to 60s: a number with s, m, h, d or w, or a time span such as 00:05:00 (e.g. --interval 5s).")]
    [InlineData("tail", "--interval", "90s", "--interval must be a duration from 1s to 60s")]
    [InlineData("tail", "--count", "0", "--count must be a whole number of records from 1 to 10,000 (e.g. --count 100).")]
    [InlineData("tail", "--for", "soon", "--for must be a duration from 1s to 3650d: a number with s, m, h, d or w, or a time span such as 00:05:00 (e.g. --for 10m).")]
    public async Task FilterOrOptionThatCannotBeOne_IsAUsageError(string command, string option, string value, string message) =>
        CliAssert.Refused(await CliAsync(["failures", command, option, value, .. command == "report" ? s_reportFile : []]), 2, message);

    [Fact]
    public async Task Key_ThatIsNotAnId_IsAUsageError_AndNotEchoed()
    {
        var result = await CliAsync("failures", "summary", "--key", "sk-not-an-id-4711");

        CliAssert.Refused(result, 2, "--key is not a key id: ids are hex digits");
        Assert.DoesNotContain("sk-not-an-id-4711", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1h", "2h", "--since must be before --until: the window would be empty.")]
    [InlineData("400d", null, "The window from --since to --until is at most 366 days: narrow it.")]
    public async Task Window_EmptyOrTooLong_IsAUsageError(string since, string? until, string message) =>
        CliAssert.Refused(await CliAsync(["failures", "summary", "--since", since, .. until is null ? Array.Empty<string>() : ["--until", until]]), 2, message);

    [Fact]
    public async Task SinceAndUntil_TakeUtcTimes()
    {
        var from = DateTimeOffset.UtcNow.AddDays(-1).ToString("yyyy-MM-dd'T'HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture);

        var result = await CliAsync("failures", "summary", "--since", from, "--until", "30m");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains($"Failures from {from.Replace('T', ' ').TrimEnd('Z')}Z until", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_IntoAMissingFolder_SaysSo()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-folder-" + Guid.NewGuid().ToString("N"));

        CliAssert.Refused(await CliAsync("failures", "report", "--html", Path.Combine(missing, "report.html")), 1,
            $"The folder {missing} does not exist");
        Assert.False(Directory.Exists(missing));
    }

    private Task<(int ExitCode, string Output)> CliAsync(params string[] arguments) =>
        InProcessCli.RunAsync(fixture.Azurite.ConnectionString, arguments, ("Proxy__Failures__TableName", _tableName));
}
