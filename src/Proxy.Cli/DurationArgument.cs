using System.Globalization;

namespace Proxy.Cli;

/// <summary>Reads a duration like <c>30s</c>, <c>90m</c>, <c>24h</c>, <c>7d</c>, <c>2w</c>, or a time span such as <c>01:30:00</c>.</summary>
internal static class DurationArgument
{
    // Far more than any archive keeps, and small enough that "now minus it" is still a date.
    private static readonly TimeSpan s_longest = TimeSpan.FromDays(3650);

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var unit = char.ToLowerInvariant(text[^1]);
        if (unit is 's' or 'm' or 'h' or 'd' or 'w' && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
        {
            var days = amount * unit switch
            {
                's' => 1.0 / (24 * 60 * 60),
                'm' => 1.0 / (24 * 60),
                'h' => 1.0 / 24,
                'd' => 1,
                _ => 7,
            };
            if (days > 0 && days <= s_longest.TotalDays)
            {
                duration = TimeSpan.FromDays(days);
                return true;
            }

            return false;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero && duration <= s_longest;
    }
}
