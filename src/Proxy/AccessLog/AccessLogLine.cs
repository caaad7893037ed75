using System.Globalization;

namespace Proxy.AccessLog;

/// <summary>The access line's fields (event 1200), <see cref="AbsentField.Placeholder"/> in the text where a value is absent (see <see cref="LogLine{TFields}"/>).</summary>
internal readonly struct AccessLogLine(
    string requestId, string method, string path, int statusCode, long durationMs,
    string? keyId, string? tier, string? model, int? upstreamStatusCode) : ILogLineFields
{
    public const string Template = "Request {RequestId} {Method} {Path} answered {StatusCode} in {DurationMs} ms; " +
        "key {KeyId} tier {Tier} model {Model}; upstream {UpstreamStatusCode}";

    private readonly string? _keyId = AbsentField.NullIfEmpty(keyId);
    private readonly string? _tier = AbsentField.NullIfEmpty(tier);
    private readonly string? _model = AbsentField.NullIfEmpty(model);

    public int Count => 10;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("RequestId", requestId),
        1 => new("Method", method),
        2 => new("Path", path),
        3 => new("StatusCode", statusCode),
        4 => new("DurationMs", durationMs),
        5 => new("KeyId", _keyId),
        6 => new("Tier", _tier),
        7 => new("Model", _model),
        8 => new("UpstreamStatusCode", upstreamStatusCode),
        9 => new("{OriginalFormat}", Template),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"Request {requestId} {method} {path} answered {statusCode} in {durationMs} ms; " +
        $"key {AbsentField.Or(_keyId)} tier {AbsentField.Or(_tier)} model {AbsentField.Or(_model)}; upstream {AbsentField.Or(upstreamStatusCode)}");
}
