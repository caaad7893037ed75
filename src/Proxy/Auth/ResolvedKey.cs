using Proxy.Errors;

namespace Proxy.Auth;

/// <summary>
/// Who a request is for: the key's hash, its tier, hourly request limit, its tier's hourly token limit (null: none) and
/// its tier's completion tokens for a request without a cap (null: the deployment's default); or why it is refused. A
/// struct: one is made for every request and only passed back to the handler.
/// </summary>
public readonly record struct ResolvedKey(string KeyId, string Tier, int? Limit, ProxyError? Error, long? TokenLimit = null, long? DefaultMaxTokens = null);
