using System.Globalization;

namespace Proxy.AccessLog;

/// <summary>
/// What a text log line shows for a value it does not have: a visible <c>-</c>, so that no field reads
/// empty and the fields after it keep their place. The structured state keeps such a value null.
/// </summary>
internal static class AbsentField
{
    public const string Placeholder = "-";

    public static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    public static string Or(string? value) => string.IsNullOrEmpty(value) ? Placeholder : value;

    public static string Or(int? value) => value is { } number ? number.ToString(CultureInfo.InvariantCulture) : Placeholder;
}
