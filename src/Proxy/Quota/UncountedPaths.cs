using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace Proxy.Quota;

/// <summary>
/// The requests that do not count against a key's hour: GET and HEAD on <see cref="QuotaOptions.UncountedPaths"/>,
/// reads that cost the upstream nothing. Other methods on the same paths (a model's DELETE) count as usual.
/// </summary>
internal sealed class UncountedPaths
{
    private readonly FrozenSet<string> _exact;
    private readonly string[] _prefixes;

    public UncountedPaths(QuotaOptions options)
    {
        var entries = Entries(options.UncountedPaths);
        _exact = entries.Where(entry => !entry.EndsWith('*')).ToFrozenSet(StringComparer.Ordinal);
        _prefixes = [.. entries.Where(entry => entry.EndsWith('*')).Select(entry => entry[..^1])];
    }

    public static string[] Entries(string setting) => setting.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether <paramref name="request"/> goes through without being counted.</summary>
    public bool Contains(HttpRequest request)
    {
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return false;
        }

        var path = request.Path.Value ?? string.Empty;
        if (_exact.Contains(path))
        {
            return true;
        }

        foreach (var prefix in _prefixes)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
