using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace Proxy.Cli;

/// <summary>
/// An option that takes a whole number within explicit bounds (<see cref="OptionValue"/>): text that is not one (<c>abc</c>,
/// <c>1.5</c>, a number past the bounds or the type, nothing at all) is a one-line usage error naming the option with an
/// example (exit 2).
/// </summary>
internal static class WholeNumberOption
{
    /// <summary><paramref name="form"/> says what the number counts (<c>a whole number of records</c>); the bounds are added to it.</summary>
    public static Option<T?> Create<T>(string name, string description, string form, T least, T most, T example, string? instead = null)
        where T : struct, IBinaryInteger<T>
    {
        var bounded = string.Create(CultureInfo.InvariantCulture, $"{form} from {least:N0} to {most:N0}");
        var refused = OptionValue.Refused(name, bounded, example.ToString(null, CultureInfo.InvariantCulture), instead);
        return OptionValue.Create(name, description, refused, (string text, out T value) =>
            T.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= least && value <= most);
    }
}
