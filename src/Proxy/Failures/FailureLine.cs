using System.Globalization;
using Proxy.AccessLog;

namespace Proxy.Failures;

/// <summary>The failure line's fields (event 4000), <see cref="AbsentField.Placeholder"/> in the text where a value is absent (see <see cref="LogLine{TFields}"/>).</summary>
internal readonly struct FailureLine(
    string kind, int statusCode, string source, string requestId, string method, string path, string? keyId, string? tier,
    string? model, int? upstreamStatusCode, string? upstreamRequestId, long durationMs, string message) : ILogLineFields
{
    public const string Template = "Failure {Kind} ({StatusCode}) from {Source}: request {RequestId} {Method} {Path}; key {KeyId} tier {Tier} model {Model}; " +
        "upstream {UpstreamStatusCode} {UpstreamRequestId}; {DurationMs} ms; {Message}";

    private readonly string? _keyId = AbsentField.NullIfEmpty(keyId);
    private readonly string? _tier = AbsentField.NullIfEmpty(tier);
    private readonly string? _model = AbsentField.NullIfEmpty(model);
    private readonly string? _upstreamRequestId = AbsentField.NullIfEmpty(upstreamRequestId);

    public int Count => 14;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("Kind", kind),
        1 => new("StatusCode", statusCode),
        2 => new("Source", source),
        3 => new("RequestId", requestId),
        4 => new("Method", method),
        5 => new("Path", path),
        6 => new("KeyId", _keyId),
        7 => new("Tier", _tier),
        8 => new("Model", _model),
        9 => new("UpstreamStatusCode", upstreamStatusCode),
        10 => new("UpstreamRequestId", _upstreamRequestId),
        11 => new("DurationMs", durationMs),
        12 => new("Message", message),
        13 => new("{OriginalFormat}", Template),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"Failure {kind} ({statusCode}) from {source}: request {requestId} {AbsentField.Or(method)} {AbsentField.Or(path)}; " +
        $"key {AbsentField.Or(_keyId)} tier {AbsentField.Or(_tier)} model {AbsentField.Or(_model)}; " +
        $"upstream {AbsentField.Or(upstreamStatusCode)} {AbsentField.Or(_upstreamRequestId)}; {durationMs} ms; {message}");
}
