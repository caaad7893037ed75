using System.Globalization;

namespace Proxy.Cli;

/// <summary>
/// Reads a duration like <c>30s</c>, <c>90m</c>, <c>24h</c>, <c>7d</c>, <c>2w</c>, or a time span such as <c>01:30:00</c>.
/// A number without a unit (<c>1.5</c>, <c>10</c>) is not one: it could mean any unit, and <see cref="TimeSpan"/> would
/// read it as days.
/// </summary>
internal static class DurationArgument
{
    public const string Forms = "a number with s, m, h, d or w, or a time span such as 00:05:00";

    /// <summary>Far more than any archive keeps, and small enough that "now minus it" is still a date.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(3650);

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var unit = char.ToLowerInvariant(text[^1]);
        if (unit is 's' or 'm' or 'h' or 'd' or 'w')
        {
            if (!double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                return false;
            }

            var days = amount * unit switch
            {
                's' => 1.0 / (24 * 60 * 60),
                'm' => 1.0 / (24 * 60),
                'h' => 1.0 / 24,
                'd' => 1,
                _ => 7,
            };
            if (days > 0 && days <= Longest.TotalDays)
            {
                duration = TimeSpan.FromDays(days);
                return true;
            }

            return false;
        }

        return text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration)
            && duration > TimeSpan.Zero && duration <= Longest;
    }
}
