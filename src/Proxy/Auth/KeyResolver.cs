using Microsoft.Extensions.Options;
using Proxy.Errors;
using Proxy.Quota;
using Proxy.Tiers;

namespace Proxy.Auth;

/// <summary>
/// Decides who a key is and what it may do: pass-through mode takes any key under the free tier unless the
/// keys table says otherwise; managed mode takes registered keys only. The limit is the key's own, else its tier's in
/// the tiers table (<see cref="TierLimits.LimitOf"/>, as the CLI shows it); the token limit is always the tier's.
/// </summary>
public sealed class KeyResolver(KeyDirectory directory, TierDirectory tiers, KeyIdCache keyIds, IOptions<AuthOptions> authOptions)
{
    private readonly AuthMode _mode = authOptions.Value.Mode;

    public async ValueTask<ResolvedKey> ResolveAsync(string apiKey, CancellationToken cancellationToken = default)
    {
        // A key's hash is its id until the key is rotated; from then on the record's id names it, whatever its secret.
        var keyId = keyIds.IdOf(apiKey);
        var lookup = await directory.FindAsync(keyId, cancellationToken);
        if (lookup.Record is { } record)
        {
            if (record.Disabled)
            {
                return Refused(record.KeyId, ErrorCatalog.Forbidden("this API key is disabled."));
            }

            var tier = (await tiers.GetAsync(cancellationToken)).RecordFor(record.Tier);
            return new ResolvedKey(record.KeyId, record.Tier, record.RequestsPerHour ?? tier?.RequestsPerHour, null, tier?.TokensPerHour, tier?.DefaultMaxTokens);
        }

        if (lookup.Replaced)
        {
            // In both modes: a replaced secret is refused as a key the proxy does not know.
            return Refused(keyId, ErrorCatalog.Unauthorized());
        }

        if (_mode == AuthMode.PassThrough)
        {
            // Any string is a key here, and one nobody registered (or that a store down since start cannot be checked for) is free.
            var free = (await tiers.GetAsync(cancellationToken)).RecordFor(QuotaOptions.FreeTier);
            return new ResolvedKey(keyId, QuotaOptions.FreeTier, free?.RequestsPerHour, null, free?.TokensPerHour, free?.DefaultMaxTokens);
        }

        // Managed mode never admits a key it cannot check: that would spend the proxy's own upstream key.
        return lookup.Available
            ? Refused(keyId, ErrorCatalog.Unauthorized())
            : Refused(keyId, ErrorCatalog.ServiceUnavailable());
    }

    private static ResolvedKey Refused(string keyId, ProxyError error) => new(keyId, QuotaOptions.FreeTier, null, error);
}
