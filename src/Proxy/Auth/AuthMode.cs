namespace Proxy.Auth;

/// <summary>Which client keys the proxy accepts.</summary>
public enum AuthMode
{
    /// <summary>Any key; it goes upstream as it came, and the quota counts per key.</summary>
    PassThrough,

    /// <summary>Only keys registered in the keys table; the proxy sends its own upstream key.</summary>
    Managed,
}
