namespace Proxy.Auth;

/// <summary>A registered key, as the keys table holds it: never the key itself, only its hash.</summary>
public sealed record KeyRecord(string KeyId, string? Name, string Tier, int? RequestsPerHour, bool Disabled, DateTimeOffset CreatedAt);
