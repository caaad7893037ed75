using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace Proxy.Cli;

/// <summary>
/// An option that takes a whole number within explicit bounds, read by its own parser: text that is not one (<c>abc</c>,
/// <c>1.5</c>, a number past the bounds or the type, nothing at all) is a one-line usage error naming the option with an
/// example (exit 2), where System.CommandLine's own conversion would throw from a validator that reads the value.
/// </summary>
internal static class WholeNumberOption
{
    /// <summary><paramref name="form"/> says what the number counts (<c>a whole number of records</c>); the bounds are added to it.</summary>
    public static Option<T?> Create<T>(string name, string description, string form, T least, T most, T example, string? instead = null)
        where T : struct, IBinaryInteger<T>
    {
        var bounded = string.Create(CultureInfo.InvariantCulture, $"{form} from {least:N0} to {most:N0}");
        var refused = OptionValue.Refused(name, bounded, example.ToString(null, CultureInfo.InvariantCulture), instead);

        // Zero or one value, so that a missing value reaches the parser too and gets the same message.
        var option = new Option<T?>(name) { Description = description, Arity = ArgumentArity.ZeroOrOne };
        option.CustomParser = result =>
        {
            if (result.Tokens is [var token]
                && T.TryParse(token.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                && value >= least && value <= most)
            {
                return value;
            }

            result.AddError(refused);
            return null;
        };
        return option;
    }
}
