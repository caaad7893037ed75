using System.Collections;

namespace Proxy.AccessLog;

/// <summary>
/// A log event's state written by hand where the LoggerMessage generator would write it, for one reason: the generator
/// shows an absent value as nothing, and the text must show <see cref="AbsentField.Placeholder"/> while the structured
/// fields (what the JSON console format and Application Insights read) stay null. A struct over a struct, as the
/// generator's state is, so that a line costs no allocation until a provider formats or lists it.
/// </summary>
internal readonly struct LogLine<TFields>(TFields fields) : IReadOnlyList<KeyValuePair<string, object?>>
    where TFields : struct, ILogLineFields
{
    public static readonly Func<LogLine<TFields>, Exception?, string> Format = static (line, _) => line.ToString();

    public int Count => fields.Count;

    public KeyValuePair<string, object?> this[int index] => fields[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => fields.ToString() ?? string.Empty;
}
