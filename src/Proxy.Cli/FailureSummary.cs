using Proxy.Failures;

namespace Proxy.Cli;

/// <summary>Counts over a set of archived failure records: what `failures summary` prints and the HTML report draws.</summary>
internal sealed class FailureSummary
{
    private const string None = "(none)";

    private FailureSummary(IReadOnlyList<FailureRecord> records, DateTimeOffset since)
    {
        Since = since;
        Total = records.Count;
        ByKind = Count(records, record => record.Kind);
        ByStatus = Count(records, record => record.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ByPath = Count(records, record => record.Path);
        ByModel = Count(records, record => record.Model ?? None);
        ByKey = Count(records, record => record.KeyId ?? None);
        TopMessages = Count(records, record => record.Message);
        PerHour = CountPerHour(records);
    }

    public DateTimeOffset Since { get; }

    public int Total { get; }

    public IReadOnlyList<(string Name, int Count)> ByKind { get; }

    public IReadOnlyList<(string Name, int Count)> ByStatus { get; }

    public IReadOnlyList<(string Name, int Count)> ByPath { get; }

    public IReadOnlyList<(string Name, int Count)> ByModel { get; }

    public IReadOnlyList<(string Name, int Count)> ByKey { get; }

    public IReadOnlyList<(string Name, int Count)> TopMessages { get; }

    public IReadOnlyList<HourCounts> PerHour { get; }

    public static FailureSummary Of(IReadOnlyList<FailureRecord> records, DateTimeOffset since) => new(records, since);

    /// <summary>The summary as `failures summary` prints it, each list at most <paramref name="top"/> lines.</summary>
    public void WriteText(TextWriter output, int top = 10)
    {
        output.WriteLine($"Failures since {Since:yyyy-MM-dd HH:mm}Z: {Total}");
        WriteSection(output, "By kind", ByKind, top);
        WriteSection(output, "By status", ByStatus, top);
        WriteSection(output, "By path", ByPath, top);
        WriteSection(output, "By model", ByModel, top);
        WriteSection(output, "By key", ByKey, top);
        WriteSection(output, "Top messages", TopMessages, top);
        output.WriteLine("Per hour (UTC):");
        foreach (var hour in PerHour)
        {
            output.WriteLine($"  {hour.Hour:yyyy-MM-dd HH}:00  {hour.Total,6}  " + string.Join(", ", hour.ByKind.Select(kind => $"{kind.Name} {kind.Count}")));
        }
    }

    private static void WriteSection(TextWriter output, string title, IReadOnlyList<(string Name, int Count)> counts, int top)
    {
        output.WriteLine($"{title}:");
        foreach (var (name, count) in counts.Take(top))
        {
            output.WriteLine($"  {count,6}  {name}");
        }
    }

    /// <summary>Every hour from the first failure's to the last one's, quiet hours included, so a chart shows the gaps.</summary>
    private static List<HourCounts> CountPerHour(IReadOnlyList<FailureRecord> records)
    {
        var byHour = records.GroupBy(HourOf).ToDictionary(group => group.Key, group => group.ToList());
        var hours = new List<HourCounts>();
        if (byHour.Count == 0)
        {
            return hours;
        }

        for (var hour = byHour.Keys.Min(); hour <= byHour.Keys.Max(); hour = hour.AddHours(1))
        {
            var inHour = byHour.GetValueOrDefault(hour) ?? [];
            hours.Add(new HourCounts(hour, inHour.Count, Count(inHour, record => record.Kind)));
        }

        return hours;
    }

    private static DateTimeOffset HourOf(FailureRecord record)
    {
        var time = DateTimeOffset.Parse(record.Timestamp, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
        return new DateTimeOffset(time.Year, time.Month, time.Day, time.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>Most frequent first; ties in name order, so the output is the same every time.</summary>
    private static List<(string Name, int Count)> Count(IEnumerable<FailureRecord> records, Func<FailureRecord, string> key) =>
        records.GroupBy(key, StringComparer.Ordinal)
            .Select(group => (group.Key, group.Count()))
            .OrderByDescending(pair => pair.Item2)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .ToList();
}
