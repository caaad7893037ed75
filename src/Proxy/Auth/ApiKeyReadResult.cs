using Proxy.Errors;

namespace Proxy.Auth;

/// <summary>The outcome of <see cref="ApiKeyReader.Read"/>: a key, or the error to answer.</summary>
internal readonly record struct ApiKeyReadResult(string? Key, ProxyError? Error);
