namespace Proxy.Usage;

/// <summary>
/// One key's usage in one UTC hour, summed over every instance's row. <see cref="Requests"/> is
/// <see cref="Succeeded"/> + <see cref="Failed"/> + <see cref="Refused"/>; <see cref="Failed"/> is the sum of its classes.
/// </summary>
public sealed record UsageHour(
    string KeyId,
    DateTimeOffset Hour,
    long Requests,
    long Succeeded,
    long FailedClient,
    long FailedUpstream,
    long FailedProxy,
    long Refused,
    long PromptTokens,
    long CompletionTokens,
    long RequestBytes,
    long ResponseBytes,
    LatencySummary Latency)
{
    /// <summary>Answered with a failure: the client's (4xx), the upstream's (its 5xx, an error event in a stream), or the proxy's own 5xx and timeouts.</summary>
    public long Failed => FailedClient + FailedUpstream + FailedProxy;

    public long TotalTokens => PromptTokens + CompletionTokens;
}
