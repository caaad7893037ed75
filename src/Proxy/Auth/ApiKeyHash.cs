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
}
