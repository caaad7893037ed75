using System.Globalization;

namespace Proxy.Cli;

/// <summary>
/// Reads a point in time as an operator writes one: a duration back from now (<c>24h</c>, as <see cref="DurationArgument"/>
/// reads it) or a UTC date and time in ISO 8601 (<c>2026-12-01</c>, <c>2026-12-01T09:00Z</c>). A duration is kept as one,
/// so that it is measured back from the "now" of the command that reads it.
/// </summary>
internal readonly record struct PointInTimeArgument(TimeSpan Ago, DateTimeOffset? At)
{
    public const string Forms = "a duration back from now (30s, 90m, 24h, 7d, 2w, or a time span such as 01:30:00) or a UTC time in ISO 8601 (2026-12-01 or 2026-12-01T09:00Z)";

    public DateTimeOffset From(DateTimeOffset now) => At ?? now - Ago;

    public static bool TryParse(string? text, out PointInTimeArgument time)
    {
        time = default;
        if (DurationArgument.TryParse(text, out var ago))
        {
            time = new PointInTimeArgument(ago, null);
            return true;
        }

        // Only a text that starts as a date: DateTimeOffset would take "09:00" as today's, which reads as a duration above.
        if (text is { Length: >= 10 } && char.IsAsciiDigit(text[0]) && text[4] == '-'
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            time = new PointInTimeArgument(TimeSpan.Zero, at);
            return true;
        }

        return false;
    }
}
