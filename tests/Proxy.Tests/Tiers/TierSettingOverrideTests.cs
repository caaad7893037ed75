using Proxy.Tests.Cli;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Tiers;

/// <summary>
/// <c>Proxy__Quota__Free*</c> and <c>Proxy__Quota__Tiers__*</c> fill a fresh tiers table and nothing more: a proxy started
/// later with other values keeps the table's, shared with every instance and the CLI, and says so once per setting, with
/// the command that gives the table the setting's value.
/// </summary>
public sealed class TierSettingOverrideTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    [Fact]
    public async Task SecondStartWithOtherTierSettings_WarnsOncePerSettingWithTheCommand_AndTheTablesLimitIsInForce()
    {
        var table = "tiers" + Guid.NewGuid().ToString("N");
        var tiersTable = ("Proxy__Tiers__TableName", table);
        await using (var first = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, tiersTable, ("Proxy__Quota__FreeRequestsPerHour", "5")))
        {
            await LogLines.WaitForAsync(first, "[3004]", $"Tiers in effect: free 5/h (from table {table})");
            Assert.Null(LogLines.Find(first, "[3006]"));
        }

        await using var second = await fixture.StartProxyAsync(fixture.Upstream.BaseAddress, tiersTable,
            ("Proxy__Quota__FreeRequestsPerHour", "3"),
            ("Proxy__Quota__FreeTokensPerHour", "5000"),
            ("Proxy__Quota__Tiers__gold__RequestsPerHour", "20"));

        await LogLines.WaitForAsync(second, "[3004]", $"Tiers in effect: free 5/h (from table {table})");
        Assert.Equal(
            [
                Warning("Proxy__Quota__FreeRequestsPerHour (3/h)", table, "free: 5/h", "proxy-cli tiers set free --limit 3"),
                Warning("Proxy__Quota__FreeTokensPerHour (5000 tokens/h)", table, "free: no token limit", "proxy-cli tiers set free --tokens 5000"),
                Warning("Proxy__Quota__Tiers__gold__RequestsPerHour (20/h)", table, "no tier gold", "proxy-cli tiers set gold --limit 20"),
            ],
            second.Output.Where(line => line.Contains("[3006]", StringComparison.Ordinal)).Select(line => line[(line.IndexOf("[3006] ", StringComparison.Ordinal) + 7)..]));

        // Pass-through mode: any string is a key, in the free tier. The first counted answer carries the limit in force
        // (one admitted uncounted while a loaded store is slow carries none).
        await CliKeys.SendUntilLimitAsync(second, "sk-any-string-" + Guid.NewGuid().ToString("N"), "second", "5");
    }

    private static string Warning(string setting, string table, string inTable, string command) =>
        $"{setting} is not in force: the tiers table {table} has {inTable}, and once filled the table holds the limits for every instance and proxy-cli. To change it: {command}";
}
