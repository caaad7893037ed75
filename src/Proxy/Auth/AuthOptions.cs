namespace Proxy.Auth;

/// <summary>How clients are identified. Bound from <c>Proxy:Auth</c> (<c>Proxy__Auth__*</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Proxy:Auth";

    public AuthMode Mode { get; set; } = AuthMode.PassThrough;

    /// <summary>The table of registered keys: tier, optional per-key limit, disabled.</summary>
    public string KeysTableName { get; set; } = "keys";

    /// <summary>
    /// How long a read of the keys table serves requests before it is read again in the background:
    /// the longest a key change (a new key, a disabled one) takes to reach a running proxy.
    /// </summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many keys' ids <see cref="KeyIdCache"/> holds so that a key is hashed once, not per request; 0 turns it off.</summary>
    public int KeyIdCacheSize { get; set; } = 10_000;
}
