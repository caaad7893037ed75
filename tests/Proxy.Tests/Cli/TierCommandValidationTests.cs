using Proxy.Auth;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Cli;

/// <summary>
/// `tiers …` refuses bad input with a message that says what to do: exit 2 when the command line alone is wrong, 1 when the
/// tables do not allow it; never a stack trace. Each test has tables of its own, filled by its first CLI run from the
/// CLI's settings (free 10/h, gold 100/h).
/// </summary>
public sealed class TierCommandValidationTests(InProcessFixture fixture) : IAsyncLifetime, IClassFixture<InProcessFixture>
{
    private readonly string _keysTable = "keys" + Guid.NewGuid().ToString("N");
    private readonly string _tiersTable = "tiers" + Guid.NewGuid().ToString("N");

    public async Task InitializeAsync()
    {
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow),
            new Dictionary<string, string?> { ["Proxy:Auth:KeysTableName"] = _keysTable });
        var keys = harness.Get<KeyTable>();
        await keys.AddAsync(new KeyRecord("abc1" + new string('0', 60), "first", "gold", null, false, DateTimeOffset.UtcNow));
        await keys.AddAsync(new KeyRecord("abc2" + new string('0', 60), "second", "Gold", null, false, DateTimeOffset.UtcNow));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task List_FirstRunFillsTheTableFromTheSettingsAndSaysSo_ThenShowsLimitsAndKeys()
    {
        var first = await CliAsync("tiers", "list");
        var second = await CliAsync("tiers", "list");

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains($"The tiers table '{_tiersTable}' had no tiers yet: filled it from this CLI's settings (free 10/h, gold 100/h)", first.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("had no tiers", second.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^free\s+10/h\s+-\s+-\s+0\s*$", second.Output);
        Assert.Matches(@"(?m)^gold\s+100/h\s+-\s+-\s+2\s*$", second.Output);
    }

    [Theory]
    [InlineData("--limit", "-5", "--limit must be a whole number of requests per hour from 1 to 2,147,483,647 (e.g. --limit 100); for no limit, give --no-limit.")]
    [InlineData("--limit", "0", "--limit must be a whole number of requests per hour from 1 to 2,147,483,647 (e.g. --limit 100); for no limit, give --no-limit.")]
    [InlineData("--tokens", "-5", "--tokens must be a whole number of tokens per hour from 1 to 1,000,000,000 (e.g. --tokens 100000); for no token limit, give --no-tokens.")]
    [InlineData("--tokens", "0", "--tokens must be a whole number of tokens per hour from 1 to 1,000,000,000 (e.g. --tokens 100000); for no token limit, give --no-tokens.")]
    [InlineData("--default-max-tokens", "-1",
        "--default-max-tokens must be a whole number of tokens from 0 to 1,000,000 (e.g. --default-max-tokens 1024); for the deployment's default, give --no-default-max-tokens.")]
    [InlineData("--default-max-tokens", "-5000",
        "--default-max-tokens must be a whole number of tokens from 0 to 1,000,000 (e.g. --default-max-tokens 1024); for the deployment's default, give --no-default-max-tokens.")]
    public async Task Set_AValueBelowItsBound_IsAUsageError(string option, string value, string message) =>
        CliAssert.Refused(await CliAsync("tiers", "set", "gold", option, value), 2, message);

    [Theory]
    [InlineData("--limit", "--no-limit")]
    [InlineData("--tokens", "--no-tokens")]
    [InlineData("--default-max-tokens", "--no-default-max-tokens")]
    public async Task Set_AValueAndItsNegationTogether_IsAUsageError(string option, string negation) =>
        CliAssert.Refused(await CliAsync("tiers", "set", "gold", option, "5", negation), 2, $"{option} and {negation} contradict each other");

    [Fact]
    public async Task Set_WithNothingToSet_IsAUsageError() =>
        CliAssert.Refused(await CliAsync("tiers", "set", "gold"), 2,
            "Nothing to set: give --limit N (requests per hour) or --no-limit, and/or --tokens N (tokens per hour) or --no-tokens, " +
            "and/or --default-max-tokens N or --no-default-max-tokens.");

    [Fact]
    public async Task Set_Tokens_KeepsTheRequestLimit_IsListed_AndNoTokensClearsIt()
    {
        var set = await CliAsync("tiers", "set", "gold", "--tokens", "5000");
        var listed = await CliAsync("tiers", "list");
        var cleared = await CliAsync("tiers", "set", "gold", "--no-tokens");
        var after = await CliAsync("tiers", "list");

        Assert.True(set.ExitCode == 0, set.Output);
        Assert.Contains("Tier gold: 100/h, 5000 tokens/h (was 100/h)", set.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^gold\s+100/h\s+5000 tokens/h\s+-\s+2\s*$", listed.Output);
        Assert.True(cleared.ExitCode == 0, cleared.Output);
        Assert.Contains("Tier gold: 100/h (was 100/h, 5000 tokens/h)", cleared.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^gold\s+100/h\s+-\s+-\s+2\s*$", after.Output);
    }

    [Fact]
    public async Task Set_DefaultMaxTokens_IsListed_AndNoDefaultMaxTokensGoesBackToTheDeployments()
    {
        var set = await CliAsync("tiers", "set", "gold", "--default-max-tokens", "256");
        var listed = await CliAsync("tiers", "list");
        var cleared = await CliAsync("tiers", "set", "gold", "--no-default-max-tokens");
        var after = await CliAsync("tiers", "list");

        Assert.True(set.ExitCode == 0, set.Output);
        Assert.Contains("Tier gold: 100/h, default max_tokens 256 (was 100/h)", set.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^gold\s+100/h\s+-\s+256\s+2\s*$", listed.Output);
        Assert.True(cleared.ExitCode == 0, cleared.Output);
        Assert.Matches(@"(?m)^gold\s+100/h\s+-\s+-\s+2\s*$", after.Output);
    }

    [Fact]
    public async Task Set_NewTierWithTokensOnly_IsRefused_AskingForItsRequestLimit() =>
        CliAssert.Refused(await CliAsync("tiers", "set", "silver", "--tokens", "5000"), 1,
            "No tier 'silver' exists yet: give its request limit too (--limit N or --no-limit) to add it. Nothing was changed.");

    [Fact]
    public async Task Set_TheLimitItHas_ChangesNothing_AndSaysSo()
    {
        var result = await CliAsync("tiers", "set", "GOLD", "--limit", "100");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("Tier gold is already 100/h; nothing was changed.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_NewTier_IsAdded_AndKeysCanBeMovedToIt()
    {
        var added = await CliAsync("tiers", "set", "Silver", "--no-limit");
        var moved = await CliAsync("keys", "set", "abc1", "--tier", "SILVER");

        Assert.True(added.ExitCode == 0, added.Output);
        Assert.Contains("Added tier silver: unlimited", added.Output, StringComparison.Ordinal);
        Assert.True(moved.ExitCode == 0, moved.Output);
        Assert.Contains("tier silver, limit none", moved.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TierNameThatCannotBeOne_IsAUsageError_AndNotEchoed()
    {
        // An operator may paste a key where a name goes: it is never printed back.
        var set = await CliAsync("tiers", "set", "sk-pasted-key-0123456789abcdefghijklmnop", "--limit", "5");
        var create = await CliAsync("keys", "create", "--tier", "gold!");

        CliAssert.Refused(set, 2, "The tier name is not one: use 1 to 32 letters, digits, '-' or '_'");
        Assert.DoesNotContain("sk-pasted-key", set.Output, StringComparison.Ordinal);
        CliAssert.Refused(create, 2, "The tier name is not one");
    }

    [Fact]
    public async Task Remove_UnknownTier_NamesTheTiers() =>
        CliAssert.Refused(await CliAsync("tiers", "remove", "silver"), 1, "No tier 'silver' exists; the tiers are: free, gold.");

    [Fact]
    public async Task Remove_FreeTier_IsRefused_SayingHowToChangeIt() =>
        CliAssert.Refused(await CliAsync("tiers", "remove", "free"), 1, "The free tier cannot be removed", "'proxy-cli tiers set free --limit N'");

    [Fact]
    public async Task Remove_TierKeysAreIn_IsRefused_NamingHowMany_UntilTheyAreMoved()
    {
        CliAssert.Refused(await CliAsync("tiers", "remove", "gold"), 1,
            "2 keys are in tier gold (abc100000000, abc200000000): move them first with 'proxy-cli keys set <id> --tier <other>'", "Nothing was removed.");
        Assert.Equal(0, (await CliAsync("keys", "set", "abc1", "--tier", "free")).ExitCode);
        Assert.Equal(0, (await CliAsync("keys", "set", "abc2", "--tier", "free")).ExitCode);

        var removed = await CliAsync("tiers", "remove", "gold");

        Assert.True(removed.ExitCode == 0, removed.Output);
        Assert.Contains("Removed tier gold", removed.Output, StringComparison.Ordinal);
        CliAssert.Refused(await CliAsync("keys", "create", "--tier", "gold"), 1, "No tier 'gold' exists; the tiers are: free.");
    }

    private Task<(int ExitCode, string Output)> CliAsync(params string[] arguments) =>
        InProcessCli.RunAsync(fixture.Azurite.ConnectionString, arguments,
            ("Proxy__Auth__KeysTableName", _keysTable), ("Proxy__Tiers__TableName", _tiersTable), ("Proxy__Quota__Tiers__gold__RequestsPerHour", "100"));
}
