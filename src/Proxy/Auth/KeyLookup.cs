namespace Proxy.Auth;

/// <summary>
/// What the keys table says of one key: its record, nothing (not registered), that it is a key's first secret since
/// replaced by <c>keys rotate</c> (<see cref="Replaced"/>), or nothing known (store down).
/// </summary>
public readonly record struct KeyLookup(KeyRecord? Record, bool Available, bool Replaced = false)
{
    public static readonly KeyLookup NotRegistered = new(null, Available: true);

    public static readonly KeyLookup ReplacedSecret = new(null, Available: true, Replaced: true);

    public static readonly KeyLookup Unavailable = new(null, Available: false);
}
