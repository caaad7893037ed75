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

/// <summary>The OpenAI-style <c>error</c> object inside <see cref="ErrorBody"/>.</summary>
internal sealed record ErrorBodyDetail(string Message, string Type, string? Code);
