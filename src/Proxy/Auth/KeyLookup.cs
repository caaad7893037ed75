namespace Proxy.Auth;

/// <summary>What the keys table says of one key: its record, nothing (not registered), or nothing known (store down).</summary>
public readonly record struct KeyLookup(KeyRecord? Record, bool Available)
{
    public static readonly KeyLookup NotRegistered = new(null, Available: true);

    public static readonly KeyLookup Unavailable = new(null, Available: false);
}
