using System.Globalization;

namespace Proxy.Cli;

/// <summary>
/// Reads a point in time as an operator writes one: a duration back from now (<c>24h</c>, as <see cref="DurationArgument"/>
/// reads it) or a UTC date and time in ISO 8601 (<c>2026-12-01</c>, <c>2026-12-01T09:00Z</c>).
/// </summary>
internal static class PointInTimeArgument
{
    public const string Forms = "a duration back from now (30s, 90m, 24h, 7d, 2w, or a time span such as 01:30:00) or a UTC time in ISO 8601 (2026-12-01 or 2026-12-01T09:00Z)";

    public static bool TryParse(string? text, DateTimeOffset now, out DateTimeOffset time)
    {
        time = default;
        if (DurationArgument.TryParse(text, out var ago))
        {
            time = now - ago;
            return true;
        }

        // Only a text that starts as a date: DateTimeOffset would take "09:00" as today's, which reads as a duration above.
        return text is { Length: >= 10 } && char.IsAsciiDigit(text[0]) && text[4] == '-'
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }
}
