using Proxy.Errors;

namespace Proxy.Auth;

/// <summary>Who a request is for: the key's hash, its tier and hourly limit (null: none); or why it is refused.</summary>
public sealed record ResolvedKey(string KeyId, string Tier, int? Limit, ProxyError? Error);
