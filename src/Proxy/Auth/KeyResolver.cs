using Microsoft.Extensions.Options;
using Proxy.Errors;
using Proxy.Quota;

namespace Proxy.Auth;

/// <summary>
/// Decides who a key is and what it may do: pass-through mode takes any key under the free tier unless the
/// keys table says otherwise; managed mode takes registered keys only.
/// </summary>
public sealed class KeyResolver(KeyDirectory directory, IOptions<AuthOptions> authOptions, IOptions<QuotaOptions> quotaOptions)
{
    private readonly AuthMode _mode = authOptions.Value.Mode;
    private readonly QuotaOptions _quota = quotaOptions.Value;

    public async ValueTask<ResolvedKey> ResolveAsync(string apiKey, CancellationToken cancellationToken = default)
    {
        var keyId = ApiKeyHash.Of(apiKey);
        var lookup = await directory.FindAsync(keyId, cancellationToken);
        if (lookup.Record is { } record)
        {
            return record.Disabled
                ? Refused(keyId, ErrorCatalog.Forbidden("this API key is disabled."))
                : new ResolvedKey(keyId, record.Tier, record.RequestsPerHour ?? _quota.LimitFor(record.Tier), null);
        }

        if (_mode == AuthMode.PassThrough)
        {
            // A store that cannot be read leaves an unregistered key in the free tier, as most keys are.
            return new ResolvedKey(keyId, QuotaOptions.FreeTier, _quota.FreeRequestsPerHour, null);
        }

        // Managed mode never admits a key it cannot check: that would spend the proxy's own upstream key.
        return lookup.Available
            ? Refused(keyId, ErrorCatalog.Unauthorized())
            : Refused(keyId, ErrorCatalog.ServiceUnavailable());
    }

    private static ResolvedKey Refused(string keyId, ProxyError error) => new(keyId, QuotaOptions.FreeTier, null, error);
}
