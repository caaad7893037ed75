namespace Proxy.AccessLog;

/// <summary>The fields of a log line whose state is written by hand (see <see cref="LogLine{TFields}"/>): by index, as the state lists them, and as text.</summary>
internal interface ILogLineFields
{
    int Count { get; }

    KeyValuePair<string, object?> this[int index] { get; }
}
