using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Proxy.Auth;

/// <summary>
/// The key ids (<see cref="ApiKeyHash.Of"/>) of the keys seen lately, so that a key is hashed once rather than on every
/// request it makes. Holds at most <see cref="AuthOptions.KeyIdCacheSize"/> keys: when a new key would pass that, the
/// cache is emptied and refills with the keys still in use, which a flood of new keys can only make hash as before.
/// The keys are held in memory only, as each request's own already is; 0 turns the cache off.
/// </summary>
public sealed class KeyIdCache(IOptions<AuthOptions> options)
{
    private readonly int _capacity = options.Value.KeyIdCacheSize;
    private readonly ConcurrentDictionary<string, string> _ids = new(StringComparer.Ordinal);
    private readonly Lock _adding = new();
    private int _count;

    public string IdOf(string apiKey)
    {
        if (_ids.TryGetValue(apiKey, out var id))
        {
            return id;
        }

        id = ApiKeyHash.Of(apiKey);
        if (_capacity == 0)
        {
            return id;
        }

        // Only a key not seen lately comes here, and it has just been hashed: a lock costs little beside that, and keeps
        // the count exact (ConcurrentDictionary.Count would take every bucket's lock on each call).
        lock (_adding)
        {
            if (_count >= _capacity)
            {
                _ids.Clear();
                _count = 0;
            }

            if (_ids.TryAdd(apiKey, id))
            {
                _count++;
            }
        }

        return id;
    }
}
