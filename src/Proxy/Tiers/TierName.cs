namespace Proxy.Tiers;

/// <summary>
/// What a tier may be called: it is a table row key and a word in log lines and the CLI's columns, so short, and of
/// characters that need no quoting anywhere. Names compare without case; the table holds them lowercase.
/// </summary>
public static class TierName
{
    public const int MaxLength = 32;

    public static bool IsWellFormed(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static string Normalize(string name) => name.ToLowerInvariant();
}
