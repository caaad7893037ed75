using Proxy.Auth;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Cli;

/// <summary>
/// `keys …` refuses bad input with a message that says what to do: exit 2 when the command line alone is wrong,
/// 1 when it names something the settings or the keys table do not have; never a stack trace.
/// </summary>
public sealed class KeyCommandValidationTests(InProcessFixture fixture) : IAsyncLifetime, IClassFixture<InProcessFixture>
{
    private readonly string _keysTable = "keys" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _tiersTable = "tiers" + Guid.NewGuid().ToString("N");

    public async Task InitializeAsync()
    {
        // Two keys whose ids share their first three digits, for the ambiguous prefix.
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow),
            new Dictionary<string, string?> { ["Proxy:Auth:KeysTableName"] = _keysTable });
        var keys = harness.Get<KeyTable>();
        await keys.AddAsync(new KeyRecord("abc1" + new string('0', 60), "first", "free", null, false, DateTimeOffset.UtcNow));
        await keys.AddAsync(new KeyRecord("abc2" + new string('0', 60), "second", "free", null, false, DateTimeOffset.UtcNow));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("-5")]
    [InlineData("0")]
    public async Task Create_LimitBelowOne_IsAUsageError(string limit)
    {
        CliAssert.Refused(await CliAsync("keys", "create", "--limit", limit), 2, "--limit must be a whole number of requests per hour from 1 to 2,147,483,647 (e.g. --limit 100); to refuse a key, use 'proxy-cli keys disable'.");
        CliAssert.Refused(await CliAsync("keys", "set", "abc1", "--limit", limit), 2, "--limit must be a whole number of requests per hour from 1 to 2,147,483,647 (e.g. --limit 100); to refuse a key, use 'proxy-cli keys disable'.");
    }

    [Fact]
    public async Task Create_UnknownTier_NamesTheTiers()
    {
        CliAssert.Refused(await CliAsync("keys", "create", "--tier", "pro"), 1,
            "No tier 'pro' exists; the tiers are: free, gold. Use one of them, or add it with 'proxy-cli tiers set pro --limit N'.");
        CliAssert.Refused(await CliAsync("keys", "set", "abc1", "--tier", "pro"), 1, "No tier 'pro' exists");

        var created = await CliAsync("keys", "create", "--tier", "gold");
        Assert.True(created.ExitCode == 0, created.Output);
    }

    [Fact]
    public async Task Set_LimitAndTierLimitTogether_IsAUsageError() =>
        CliAssert.Refused(await CliAsync("keys", "set", "abc1", "--limit", "5", "--tier-limit"), 2, "--limit and --tier-limit contradict each other");

    [Fact]
    public async Task Set_WithNothingToChange_IsAUsageError() =>
        CliAssert.Refused(await CliAsync("keys", "set", "abc1"), 2, "Nothing to change: give --tier NAME, --limit N or --tier-limit.");

    [Fact]
    public async Task AmbiguousPrefix_ListsTheCandidates()
    {
        var result = await CliAsync("keys", "disable", "abc");

        CliAssert.Refused(result, 1, "'abc' is the start of 2 keys' ids", "abc100000000 (first)", "abc200000000 (second)", "give more of the id");
        var unique = await CliAsync("keys", "usage", "abc2");
        Assert.True(unique.ExitCode == 0, unique.Output);
    }

    [Fact]
    public async Task UnknownId_SaysHowToSeeTheIds() =>
        CliAssert.Refused(await CliAsync("keys", "enable", "fff"), 1, "No key has an id starting with 'fff'", "proxy-cli keys list");

    [Fact]
    public async Task IdThatIsNotHex_IsAUsageError_AndNotEchoed()
    {
        // An operator may paste the key itself where its id goes: it is never printed back.
        var result = await CliAsync("keys", "usage", "sk-pasted-key");

        CliAssert.Refused(result, 2, "is not a key id", "hex digits");
        Assert.DoesNotContain("sk-pasted-key", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownOption_IsAUsageError() =>
        CliAssert.Refused(await CliAsync("keys", "create", "--bogus"), 2, "--bogus");

    [Fact]
    public async Task UnforeseenFailure_IsOneLine_NotAStackTrace()
    {
        // A row no version of the CLI wrote (a limit that is not a number): the catch-all, not a command's own check, answers.
        var table = new Azure.Data.Tables.TableClient(fixture.Azurite.ConnectionString, _keysTable);
        await table.AddEntityAsync(new Azure.Data.Tables.TableEntity("dead" + new string('0', 60), string.Empty) { ["RequestsPerHour"] = "lots" });

        var result = await CliAsync("keys", "list");

        CliAssert.Refused(result, 1, "proxy-cli stopped on an unexpected error");
        Assert.Single(result.Output.Trim().Split('\n'));
    }

    private Task<(int ExitCode, string Output)> CliAsync(params string[] arguments) =>
        InProcessCli.RunAsync(fixture.Azurite.ConnectionString, arguments,
            ("Proxy__Auth__KeysTableName", _keysTable), ("Proxy__Tiers__TableName", _tiersTable), ("Proxy__Quota__Tiers__gold__RequestsPerHour", "100"));
}
