namespace Proxy.Cli;

/// <summary>
/// The one line that refuses an option's value: the option, the form it takes and an example of it. The value given is
/// not repeated, since what was pasted there may be a key; the operator has it on their own command line.
/// </summary>
internal static class OptionValue
{
    public static string Refused(string option, string form, string example, string? instead = null) =>
        $"{option} must be {form} (e.g. {option} {example}){(instead is null ? string.Empty : "; " + instead)}.";
}
