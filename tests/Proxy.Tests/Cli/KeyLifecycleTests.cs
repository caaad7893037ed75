using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Cli;

/// <summary>
/// `keys rotate` gives a key a new secret and keeps everything else of it; `keys delete` removes it. Both name the key by
/// its id, or a unique start of it, as the other `keys` commands do.
/// </summary>
public sealed class KeyLifecycleTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    private readonly (string, string) _keysTable = ("Proxy__Auth__KeysTableName", "keys" + Guid.NewGuid().ToString("N"));
    private readonly (string, string) _gold = ("Proxy__Quota__Tiers__gold__RequestsPerHour", "100");
    private readonly (string, string) _tiersTable = ("Proxy__Tiers__TableName", "tiers" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Rotate_PrintsANewKeyOnce_AndKeepsTheIdNameTierAndLimit()
    {
        var created = await CliKeys.CreateAsync(fixture.Azurite.ConnectionString, ["--name", "acme", "--tier", "gold", "--limit", "7"], _keysTable, _gold, _tiersTable);
        var listedBefore = await CliAsync("keys", "list");

        var rotated = await CliAsync("keys", "rotate", created.Id[..6]);
        var listedAfter = await CliAsync("keys", "list");

        Assert.True(rotated.ExitCode == 0, rotated.Output);
        var printed = CliKeys.Printed(rotated.Output);
        Assert.NotEqual(created.Key, printed.Key);
        Assert.Equal(created.Id, printed.Id);
        Assert.Contains("The key is shown this once", rotated.Output, StringComparison.Ordinal);
        Assert.Equal(listedBefore.Output, listedAfter.Output);
        Assert.Matches($@"(?m)^{created.Id}\s+acme\s+gold\s+7\s+enabled\s", listedAfter.Output);
    }

    [Fact]
    public async Task Delete_RemovesTheKey_AndASecondDeleteFindsNone()
    {
        var kept = await CliKeys.CreateAsync(fixture.Azurite.ConnectionString, ["--name", "kept"], _keysTable, _tiersTable);
        var deleted = await CliKeys.CreateAsync(fixture.Azurite.ConnectionString, ["--name", "gone"], _keysTable, _tiersTable);

        var delete = await CliAsync("keys", "delete", deleted.Id);
        var listed = await CliAsync("keys", "list");
        var again = await CliAsync("keys", "delete", deleted.Id);

        Assert.True(delete.ExitCode == 0, delete.Output);
        Assert.Contains($"Deleted key {deleted.Id} (gone)", delete.Output, StringComparison.Ordinal);
        Assert.Contains("usage and failure records are kept under its id", delete.Output, StringComparison.Ordinal);
        Assert.Contains(kept.Id, listed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(deleted.Id, listed.Output, StringComparison.Ordinal);
        CliAssert.Refused(again, 1, $"No key has an id starting with '{deleted.Id}'");
    }

    [Theory]
    [InlineData("rotate")]
    [InlineData("delete")]
    public async Task RotateOrDelete_ArgumentThatIsNotAnId_IsAUsageError_AndNotEchoed(string command)
    {
        var result = await CliAsync("keys", command, "sk-pasted-key");

        CliAssert.Refused(result, 2, "is not a key id");
        Assert.DoesNotContain("sk-pasted-key", result.Output, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Output)> CliAsync(params string[] arguments) =>
        InProcessCli.RunAsync(fixture.Azurite.ConnectionString, arguments, _keysTable, _gold, _tiersTable);
}
