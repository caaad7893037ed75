namespace Proxy.Tiers;

/// <summary>
/// A tier setting the tiers table overrides: its name (<c>Proxy__Quota__FreeRequestsPerHour</c>), its value and the
/// table's, as a log line shows them, and the CLI command that gives the table the setting's value.
/// </summary>
public sealed record TierSettingOverride(string Setting, string Given, string InTable, string Command);
