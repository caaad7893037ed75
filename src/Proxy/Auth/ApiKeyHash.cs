using System.Security.Cryptography;
using System.Text;

namespace Proxy.Auth;

/// <summary>
/// The only form in which a key is ever stored, logged or queued: its SHA-256, in hex. Keys are long random
/// strings, so the hash cannot be turned back into one.
/// </summary>
public static class ApiKeyHash
{
    /// <summary>How many hex digits of the hash name a key in records, logs and the CLI.</summary>
    public const int ShortLength = 12;

    public static string Of(string apiKey)
    {
        ArgumentNullException.ThrowIfNull(apiKey);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(apiKey), hash);
        return Convert.ToHexStringLower(hash);
    }

    public static string Prefix(string keyId) => keyId.Length > ShortLength ? keyId[..ShortLength] : keyId;

    /// <summary>
    /// The id's first hex digit, 0 to 15: what spreads the rows of many keys over the partitions of one hour (the quota's
    /// counters, the usage ledger). A hash's digits are uniform; any other id still gets a digit, from its first character.
    /// </summary>
    public static int FirstDigit(string keyId) =>
        keyId.Length == 0 ? 0 : char.IsAsciiHexDigit(keyId[0]) ? Convert.ToInt32(keyId[..1], 16) : keyId[0] % 16;
}
