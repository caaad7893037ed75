namespace Proxy.Quota;

/// <summary>
/// What <c>GET /quota</c> answers a key: its tier, the seconds until its hour resets, and for requests and tokens its limit
/// this hour, what it has used, and what is left (null throughout where the tier has no such limit). For tokens, what
/// requests in flight hold (their reservations) is apart from what they used, and taken from what is left.
/// </summary>
internal sealed record QuotaStatusBody(string Object, string Tier, long ResetSeconds, QuotaRequestsStatus Requests, QuotaTokensStatus Tokens);

internal sealed record QuotaRequestsStatus(long? Limit, long? Used, long? Remaining);

internal sealed record QuotaTokensStatus(long? Limit, long? Used, long? Reserved, long? Remaining);
