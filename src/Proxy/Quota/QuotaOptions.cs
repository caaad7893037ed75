using Proxy.Tiers;

namespace Proxy.Quota;

/// <summary>The hourly quota. Bound from <c>Proxy:Quota</c> (<c>Proxy__Quota__*</c>).</summary>
public sealed class QuotaOptions
{
    public const string SectionName = "Proxy:Quota";
    public const string FreeTier = "free";

    /// <summary>
    /// The free tier's hourly limit: 10, the AI/ML API's documented figure. Empty means no limit. A default: see <see cref="DefaultTiers"/>.
    /// </summary>
    public int? FreeRequestsPerHour { get; set; } = 10;

    /// <summary>The free tier's hourly token limit (prompt plus completion, per key); empty, the default, means none. A default like <see cref="FreeRequestsPerHour"/>.</summary>
    public long? FreeTokensPerHour { get; set; }

    /// <summary>
    /// The completion tokens the free tier reserves for a request that sets no cap; empty, the default, means
    /// <c>Proxy__Tokens__DefaultMaxTokens</c>. A default like <see cref="FreeRequestsPerHour"/>.
    /// </summary>
    public long? FreeDefaultMaxTokens { get; set; }

    /// <summary>Further tiers by name (<c>Proxy__Quota__Tiers__pro__RequestsPerHour=1000</c>), as defaults like <see cref="FreeRequestsPerHour"/>.</summary>
    public Dictionary<string, QuotaTierOptions> Tiers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public QuotaFailureMode FailureMode { get; set; } = QuotaFailureMode.Open;

    /// <summary>The longest a request waits for Table storage before the failure mode decides.</summary>
    public TimeSpan StoreTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often, once the store has failed, a background probe checks whether it is back.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Key rounds talking to the store at once in this process (each holds one permit for its read and its write). The store
    /// calls themselves are bounded apart from this: one at a time per counter partition
    /// (<see cref="CounterRowAddress.Partitions"/>), each carrying up to 100 writes.
    /// </summary>
    public int MaxConcurrentStoreWrites { get; set; } = 256;

    /// <summary>
    /// Of those, the writes for keys this process holds no counter row of yet this hour: in pass-through mode any string
    /// is a key, so made-up keys are the cheap way to make the store insert rows, and they get half, so that known keys
    /// keep being counted through a burst of new ones.
    /// </summary>
    public int MaxConcurrentNewKeys { get; set; } = 128;

    /// <summary>Write rounds that may wait for a permit; beyond it, or after waiting <see cref="StoreTimeout"/>, a request is shed (503).</summary>
    public int StoreQueueLimit { get; set; } = 128;

    /// <summary>
    /// Keys whose counters this process holds at once. Past it, idle counters (nothing waiting, owed or unsettled) are
    /// forgotten and read back when their key comes again; when none is idle, a new key's request is shed (503). It bounds
    /// the memory a flood of made-up keys can take.
    /// </summary>
    public int MaxKeysInMemory { get; set; } = 10_000;

    /// <summary>
    /// How long this process trusts that a key's hour is used up before it reads the count again: counts go down when a
    /// failed request gives its unit back, possibly in another process, so the known-exhausted shortcut (no storage call
    /// per refusal) must end. It is the longest a refund made by another process waits to be seen here.
    /// </summary>
    public TimeSpan ExhaustedRecheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Comma-separated paths whose GET and HEAD requests are not counted: listing models costs the upstream
    /// nothing, and SDKs and tools call it on start-up. A trailing <c>*</c> matches any rest of the path.
    /// </summary>
    public string UncountedPaths { get; set; } = "/v1/models,/v1/models/*";

    /// <summary>Counters live in one table per UTC day, named this prefix plus <c>yyyyMMdd</c>.</summary>
    public string TablePrefix { get; set; } = "quota";

    /// <summary>Whole days of counter tables kept; older tables are dropped.</summary>
    public int RetentionDays { get; set; } = 2;

    /// <summary>The 429 message's call to action; with <see cref="BillingUrl"/> it makes the AI/ML API's message verbatim.</summary>
    public string SubscriptionText { get; set; } = "Get AI/ML Subscription to use API";

    public string BillingUrl { get; set; } = "https://aimlapi.com/app/billing/";

    /// <summary>The free-tier message, in the AI/ML API's words with this deployment's wording and URL.</summary>
    public string LimitMessage => $"Free-tier limit: You've reached your free limit for the hour. {SubscriptionText}, visit {BillingUrl} !";

    /// <summary>The message of a 429 for a key whose hour's tokens are used up, worded like <see cref="LimitMessage"/>.</summary>
    public string TokenLimitMessage => $"Token limit: You've used up your tokens for the hour. {SubscriptionText}, visit {BillingUrl} !";

    /// <summary>
    /// The message of a 429 for a request whose reservation (<paramref name="reserved"/> tokens) does not fit the
    /// <paramref name="remaining"/> left in its key's hour: <see cref="TokenLimitMessage"/> when none are left or held, else
    /// the figures, so that the client can tell whether a lower completion cap, or a moment's wait for the
    /// <paramref name="inFlight"/> held by its requests in flight, may let it through.
    /// </summary>
    public string TokenLimitMessageFor(long reserved, long remaining, long inFlight) => (remaining, inFlight) switch
    {
        ( <= 0, <= 0) => TokenLimitMessage,
        (_, <= 0) => FormattableString.Invariant(
            $"Token limit: This request may use up to {reserved} tokens (its prompt and its max_tokens), and {remaining} are left for the hour. Ask for fewer, or {SubscriptionText}, visit {BillingUrl} !"),
        _ => FormattableString.Invariant(
            $"Token limit: This request may use up to {reserved} tokens (its prompt and its max_tokens), and {remaining} are left for the hour, {inFlight} more held by requests in flight until they end. Ask for fewer, or {SubscriptionText}, visit {BillingUrl} !"),
    };

    /// <summary>
    /// The tiers these settings give: the free tier and <see cref="Tiers"/>. Only the defaults a fresh deployment starts from:
    /// the tiers table is filled with them on its first read, and from then on holds the limits (<see cref="TierTable"/>).
    /// </summary>
    public IEnumerable<TierRecord> DefaultTiers() =>
        Tiers.Select(tier => new TierRecord(TierName.Normalize(tier.Key), tier.Value.RequestsPerHour, tier.Value.TokensPerHour, tier.Value.DefaultMaxTokens))
            .Prepend(new TierRecord(FreeTier, FreeRequestsPerHour, FreeTokensPerHour, FreeDefaultMaxTokens));
}
