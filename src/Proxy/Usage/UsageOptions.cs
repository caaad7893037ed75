namespace Proxy.Usage;

/// <summary>The usage ledger: per key and UTC hour, what was asked and answered. Bound from <c>Proxy:Usage</c> (<c>Proxy__Usage__*</c>).</summary>
public sealed class UsageOptions
{
    public const string SectionName = "Proxy:Usage";

    /// <summary>Whether requests are counted into the ledger at all; off, the request path does not touch it.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The table the ledger's rows go to, one row per instance per key and hour.</summary>
    public string TableName { get; set; } = "usage";

    /// <summary>How often the in-memory counts are written; also what a process killed hard can lose at most.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Key-hours held in memory at once. In pass-through mode any string is a key, so without a bound a flood of made-up
    /// keys would grow memory without end: a request for a key-hour beyond it is not counted in the ledger, only logged.
    /// </summary>
    public int MaxKeyHours { get; set; } = 10_000;

    /// <summary>Whole days of ledger rows kept; older hours are deleted by the retention job.</summary>
    public int RetentionDays { get; set; } = 31;
}
