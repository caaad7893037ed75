namespace Proxy.Failures;

/// <summary>
/// The failures of one key, kind and status that <see cref="RepeatedFailures"/> counted instead of recording in one
/// aggregation interval: how many, the first and the last of them, and the key's tier when the first was counted.
/// </summary>
internal sealed record RepeatedFailureCount(string KeyId, string? Tier, string Kind, int StatusCode, long Count, DateTimeOffset First, DateTimeOffset Last);
