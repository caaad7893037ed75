using System.Globalization;
using Proxy.Failures;

namespace Proxy.Cli;

/// <summary>
/// Counts over the archived failure records of a window that pass a filter: what `failures summary` prints (as text or
/// JSON) and the HTML report draws. Every hour of the window is in <see cref="PerHour"/>, quiet ones with 0.
/// </summary>
internal sealed class FailureSummary
{
    private const string None = "(none)";

    private FailureSummary(IReadOnlyList<FailureRecord> records, TimeWindow window, FailureFilter filter,
        IReadOnlyDictionary<string, string> keyNames, IReadOnlyDictionary<DateTimeOffset, HourUsage>? usage)
    {
        Window = window;
        Filter = filter;
        Total = records.Count;
        ByKind = Count(records, record => record.Kind);
        ByStatus = Count(records, record => record.StatusCode.ToString(CultureInfo.InvariantCulture));
        ByPath = Count(records, record => record.Path);
        ByModel = Count(records, record => record.Model ?? None);
        ByKey = [.. Count(records, record => record.KeyId ?? None).Select(pair => new KeyCount(pair.Name, keyNames.GetValueOrDefault(pair.Name), pair.Count))];
        TopMessages = Count(records, record => record.Message);
        Latency = LatencyOf(records);
        UsageRecorded = usage is not null;
        if (usage is not null)
        {
            Usage = new HourUsage(usage.Values.Sum(hour => hour.Requests), usage.Values.Sum(hour => hour.Failed));
        }

        var byHour = records.ToLookup(record => TimeWindow.TopOfHour(OccurredAt(record)));
        PerHour = [.. window.Hours().Select(hour => new HourCounts(
            hour, byHour[hour].Count(), Count(byHour[hour], record => record.Kind), LatencyOf(byHour[hour]), usage?.GetValueOrDefault(hour)))];
    }

    public TimeWindow Window { get; }

    public FailureFilter Filter { get; }

    public int Total { get; }

    public IReadOnlyList<(string Name, int Count)> ByKind { get; }

    public IReadOnlyList<(string Name, int Count)> ByStatus { get; }

    public IReadOnlyList<(string Name, int Count)> ByPath { get; }

    public IReadOnlyList<(string Name, int Count)> ByModel { get; }

    public IReadOnlyList<KeyCount> ByKey { get; }

    public IReadOnlyList<(string Name, int Count)> TopMessages { get; }

    /// <summary>Over every record of the window but aggregated ones, which stand for many failures and carry no duration.</summary>
    public LatencyPercentiles? Latency { get; }

    /// <summary>Whether the usage ledger has rows for the window; without them there are no requests to rate the failures by.</summary>
    public bool UsageRecorded { get; }

    /// <summary>The ledger's requests and failures over the window, when it has rows.</summary>
    public HourUsage? Usage { get; }

    public IReadOnlyList<HourCounts> PerHour { get; }

    /// <summary>
    /// The summary of <paramref name="records"/> within <paramref name="window"/> that <paramref name="filter"/> lets
    /// through; <paramref name="keyNames"/> by key id as records carry it; <paramref name="usage"/> by hour, null when
    /// the ledger has no rows for the window.
    /// </summary>
    public static FailureSummary Of(IEnumerable<FailureRecord> records, TimeWindow window, FailureFilter filter,
        IReadOnlyDictionary<string, string> keyNames, IReadOnlyDictionary<DateTimeOffset, HourUsage>? usage) =>
        new([.. records.Where(record => filter.Matches(record) && window.Contains(OccurredAt(record)))], window, filter, keyNames, usage);

    /// <summary>The summary as `failures summary` prints it, each list at most <paramref name="top"/> lines.</summary>
    public void WriteText(TextWriter output, int top = 10)
    {
        output.WriteLine($"Failures from {Window.From:yyyy-MM-dd HH:mm}Z until {Window.Until:yyyy-MM-dd HH:mm}Z: {Total}");
        var given = Filter.Given();
        output.WriteLine("Filters: " + (given.Count == 0 ? "none" : string.Join(", ", given.Select(filter => $"{filter.Name} {filter.Value}"))));
        output.WriteLine("Requests (usage ledger): " + (Usage is { } usage ? Describe(usage) : "no usage recorded"));
        output.WriteLine("Latency (durationMs of the failures): " + (Latency is { } latency ? Describe(latency) : "no durations"));
        WriteSection(output, "By kind", ByKind, top);
        WriteSection(output, "By status", ByStatus, top);
        WriteSection(output, "By path", ByPath, top);
        WriteSection(output, "By model", ByModel, top);
        WriteSection(output, "By key", [.. ByKey.Select(key => (key.Name is null ? key.KeyId : $"{key.KeyId} ({key.Name})", key.Count))], top);
        WriteSection(output, "Top messages", TopMessages, top);
        output.WriteLine("Per hour (UTC):");
        foreach (var hour in PerHour)
        {
            var line = $"  {hour.Hour:yyyy-MM-dd HH}:00  {hour.Total,6}  " + string.Join(", ", hour.ByKind.Select(kind => $"{kind.Name} {kind.Count}"));
            if (hour.Latency is { } hourLatency)
            {
                line += $"  [{Describe(hourLatency)}]";
            }

            if (hour.Usage is { } hourUsage)
            {
                line += $"  [{Describe(hourUsage)}]";
            }

            output.WriteLine(line);
        }
    }

    public static string Describe(LatencyPercentiles latency) =>
        string.Create(CultureInfo.InvariantCulture, $"p50 {latency.P50} ms, p95 {latency.P95} ms, p99 {latency.P99} ms of {latency.Count}");

    public static string Describe(HourUsage usage) =>
        string.Create(CultureInfo.InvariantCulture, $"{usage.Requests} requests, {usage.Failed} failed") +
        (usage.ErrorRate is { } rate ? string.Create(CultureInfo.InvariantCulture, $", error rate {rate * 100:0.##}%") : string.Empty);

    public static DateTimeOffset OccurredAt(FailureRecord record) =>
        DateTimeOffset.Parse(record.Timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static LatencyPercentiles? LatencyOf(IEnumerable<FailureRecord> records) =>
        LatencyPercentiles.Of(records.Where(record => record.Kind != FailureRecord.AggregatedKind).Select(record => record.DurationMs));

    private static void WriteSection(TextWriter output, string title, IReadOnlyList<(string Name, int Count)> counts, int top)
    {
        output.WriteLine($"{title}:");
        foreach (var (name, count) in counts.Take(top))
        {
            output.WriteLine($"  {count,6}  {name}");
        }
    }

    /// <summary>Most frequent first; ties in name order, so the output is the same every time.</summary>
    private static List<(string Name, int Count)> Count(IEnumerable<FailureRecord> records, Func<FailureRecord, string> key) =>
        records.GroupBy(key, StringComparer.Ordinal)
            .Select(group => (group.Key, group.Count()))
            .OrderByDescending(pair => pair.Item2)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .ToList();
}
