using System.CommandLine;
using System.CommandLine.Parsing;

namespace Proxy.Cli;

/// <summary>
/// An option's one value, read by the option's own parser, and the one line that refuses it: the option, the form it takes
/// and an example of it. The value given is not repeated, since what was pasted there may be a key; the operator has it on
/// their own command line.
/// </summary>
internal static class OptionValue
{
    /// <summary>Reads a value from an option's text; false when the text is not one the option takes.</summary>
    public delegate bool Reader<T>(string text, out T value);

    public static string Refused(string option, string form, string example, string? instead = null) =>
        $"{option} must be {form} (e.g. {option} {example}){(instead is null ? string.Empty : "; " + instead)}.";

    /// <summary>
    /// An option whose text <paramref name="read"/> reads, and which is refused with <paramref name="refused"/> otherwise:
    /// a one-line usage error (exit 2), where System.CommandLine's own conversion would throw from a validator that reads
    /// the value. Zero or one value, so that a missing value reaches the parser too and gets the same message.
    /// </summary>
    public static Option<T?> Create<T>(string name, string description, string refused, Reader<T> read)
        where T : struct
    {
        var option = new Option<T?>(name) { Description = description, Arity = ArgumentArity.ZeroOrOne };
        option.CustomParser = result =>
        {
            if (TryRead(result, read, out var value))
            {
                return value;
            }

            result.AddError(refused);
            return null;
        };
        return option;
    }

    /// <summary>The one value given in <paramref name="result"/>, as <paramref name="read"/> reads it; false when there is no single value it reads.</summary>
    public static bool TryRead<T>(SymbolResult result, Reader<T> read, out T value)
        where T : struct
    {
        if (result.Tokens is [var token] && read(token.Value, out value))
        {
            return true;
        }

        value = default;
        return false;
    }
}
