namespace Proxy.Errors;

/// <summary>
/// A failure as the client sees it: its kind, the HTTP status and the human-readable message,
/// plus the OpenAI-style <c>type</c> and <c>code</c> that SDKs read from <c>body.error</c>.
/// </summary>
public sealed record ProxyError(FailureKind Kind, int StatusCode, string Message, string Type, string? Code);
