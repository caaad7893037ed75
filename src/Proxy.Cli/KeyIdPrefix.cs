using Azure;
using Proxy.Auth;

namespace Proxy.Cli;

/// <summary>
/// The key an operator means by the start of its id, as <c>keys list</c> prints it: exactly one, or a message saying
/// there is none or listing the candidates.
/// </summary>
internal static class KeyIdPrefix
{
    /// <summary>Key ids are lowercase hex; anything else is a usage error, and is not echoed, since it may be the key itself.</summary>
    public const string NotAnId = "The key-id argument is not a key id: ids are hex digits, as 'proxy-cli keys list' prints them (the key itself is never needed).";

    public static bool IsWellFormed(string? text) => !string.IsNullOrEmpty(text) && text.Length <= 64 && text.All(char.IsAsciiHexDigit);

    public static async Task<(KeyRecord Record, ETag ETag)?> ResolveAsync(KeyTable keys, string prefix, TextWriter error, CancellationToken cancellationToken)
    {
        var lower = prefix.ToLowerInvariant();
        var matches = (await keys.ListAsync(cancellationToken))
            .Where(record => record.KeyId.StartsWith(lower, StringComparison.Ordinal))
            .OrderBy(record => record.KeyId, StringComparer.Ordinal)
            .ToList();
        if (matches.Count == 0)
        {
            await error.WriteLineAsync($"No key has an id starting with '{lower}'; 'proxy-cli keys list' shows the ids.");
            return null;
        }

        if (matches.Count > 1)
        {
            var candidates = string.Join(", ", matches.Select(record => $"{ApiKeyHash.Prefix(record.KeyId)} ({record.Name ?? "no name"})"));
            await error.WriteLineAsync($"'{lower}' is the start of {matches.Count} keys' ids: {candidates}; give more of the id.");
            return null;
        }

        // Read again by the whole id for the row's ETag, so that a change made meanwhile is not overwritten.
        var found = await keys.FindAsync(matches[0].KeyId, cancellationToken);
        if (found is null)
        {
            await error.WriteLineAsync($"The key {ApiKeyHash.Prefix(matches[0].KeyId)} was removed while this command ran.");
        }

        return found;
    }
}
