namespace Proxy.Auth;

/// <summary>
/// A registered key, as the keys table holds it: never the key itself, only its hash. <see cref="KeyId"/> is the hash of
/// the key's first secret and names it for good (quota counters, usage ledger, failure records); <see cref="SecretHash"/>
/// is the hash of the secret it has now when it was rotated (<c>proxy-cli keys rotate</c>), null while that is still the first.
/// </summary>
public sealed record KeyRecord(string KeyId, string? Name, string Tier, int? RequestsPerHour, bool Disabled, DateTimeOffset CreatedAt,
    string? SecretHash = null)
{
    /// <summary>The hash a request's key must have to be this key.</summary>
    public string CurrentSecretHash => SecretHash ?? KeyId;
}
