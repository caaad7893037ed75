using System.Globalization;
using System.Text.Json.Serialization;

namespace Proxy.Cli;

/// <summary>
/// `failures summary --json`, and the data the HTML report draws from: the summary's counts with names, times in ISO
/// 8601 UTC. Nulls are written, so a missing figure (no usage, no durations) reads as such rather than as absent.
/// </summary>
internal sealed record FailureSummaryDocument(
    string From,
    string Until,
    IReadOnlyDictionary<string, string> Filters,
    int Total,
    bool UsageRecorded,
    long? Requests,
    long? Failed,
    double? ErrorRate,
    LatencyPercentiles? LatencyMs,
    IReadOnlyList<NamedCount> ByKind,
    IReadOnlyList<NamedCount> ByStatus,
    IReadOnlyList<NamedCount> ByPath,
    IReadOnlyList<NamedCount> ByModel,
    IReadOnlyList<KeyCount> ByKey,
    IReadOnlyList<NamedCount> TopMessages,
    IReadOnlyList<HourDocument> PerHour)
{
    public static FailureSummaryDocument Of(FailureSummary summary) => new(
        Iso(summary.Window.From),
        Iso(summary.Window.Until),
        summary.Filter.Given().ToDictionary(filter => filter.Name, filter => filter.Value, StringComparer.Ordinal),
        summary.Total,
        summary.UsageRecorded,
        summary.Usage?.Requests,
        summary.Usage?.Failed,
        summary.Usage?.ErrorRate,
        summary.Latency,
        Named(summary.ByKind),
        Named(summary.ByStatus),
        Named(summary.ByPath),
        Named(summary.ByModel),
        summary.ByKey,
        Named(summary.TopMessages),
        [.. summary.PerHour.Select(hour => new HourDocument(
            Iso(hour.Hour), hour.Total, Named(hour.ByKind), hour.Latency, hour.Usage?.Requests, hour.Usage?.Failed, hour.Usage?.ErrorRate))]);

    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static NamedCount[] Named(IReadOnlyList<(string Name, int Count)> counts) => [.. counts.Select(pair => new NamedCount(pair.Name, pair.Count))];
}

/// <summary>A name (a kind, a status, a path, a model, a message) and how many failures had it.</summary>
internal sealed record NamedCount(string Name, int Count);

/// <summary>One hour of <see cref="FailureSummaryDocument.PerHour"/>; requests, failed and error rate are the ledger's, null without its rows.</summary>
internal sealed record HourDocument(string Hour, int Total, IReadOnlyList<NamedCount> ByKind, LatencyPercentiles? LatencyMs, long? Requests, long? Failed, double? ErrorRate);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(FailureSummaryDocument))]
internal sealed partial class FailureSummaryJsonContext : JsonSerializerContext;
