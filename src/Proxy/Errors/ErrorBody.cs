using System.Text.Json.Serialization;

namespace Proxy.Errors;

/// <summary>
/// The AI/ML API's documented error body. The five documented fields stay at the top level;
/// <see cref="Error"/> repeats the message where OpenAI SDKs look for it (<c>body.error.message</c>).
/// </summary>
internal sealed record ErrorBody(
    string Message,
    string Path,
    string RequestId,
    int StatusCode,
    string Timestamp,
    ErrorBodyDetail Error);

/// <summary>
/// The OpenAI-style <c>error</c> object inside <see cref="ErrorBody"/>: <c>message</c>, <c>type</c> and <c>code</c>, always all
/// three, as OpenAI writes it; <c>code</c> is null when the error has none.
/// </summary>
internal sealed record ErrorBodyDetail(
    string Message,
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);
