using System.CommandLine;

namespace Proxy.Cli;

/// <summary>
/// An option that takes a duration (<see cref="DurationArgument"/>) within explicit bounds (<see cref="OptionValue"/>):
/// text that is not one is a one-line usage error naming the option with an example (exit 2).
/// </summary>
internal static class DurationOption
{
    /// <summary>
    /// <paramref name="bounds"/> says <paramref name="least"/> to <paramref name="most"/> as the operator writes them
    /// (<c>1s to 60s</c>). A default is the command's to apply to null: one given to System.CommandLine would also stand
    /// in for the option given without a value, which is a usage error.
    /// </summary>
    public static Option<TimeSpan?> Create(string name, string description, TimeSpan least, TimeSpan most, string bounds, string example) =>
        OptionValue.Create(name, description, OptionValue.Refused(name, $"a duration from {bounds}: {DurationArgument.Forms}", example),
            (string text, out TimeSpan duration) => DurationArgument.TryParse(text, out duration) && duration >= least && duration <= most);
}
