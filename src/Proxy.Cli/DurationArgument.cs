using System.Globalization;

namespace Proxy.Cli;

/// <summary>Reads a look-back like <c>90m</c>, <c>24h</c>, <c>7d</c>, or a time span such as <c>01:30:00</c>.</summary>
internal static class DurationArgument
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var unit = char.ToLowerInvariant(text[^1]);
        if (unit is 'm' or 'h' or 'd' && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            duration = unit switch
            {
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero;
    }
}
