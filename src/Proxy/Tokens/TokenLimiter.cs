using Proxy.Usage;

namespace Proxy.Tokens;

/// <summary>
/// Whether a key's current UTC hour of tokens (prompt plus completion) is used up: this process's count in the usage
/// ledger, which every finished request adds to at once, plus what the other instances have flushed
/// (<see cref="OtherInstancesTokens"/>). A request's tokens are known only once its answer is complete, so the requests in
/// flight when the limit is reached are admitted: that is the overshoot, bounded in README ("Token limits").
/// </summary>
internal sealed class TokenLimiter(UsageLedger ledger, OtherInstancesTokens others)
{
    public async ValueTask<bool> IsUsedUpAsync(string keyId, long limit, CancellationToken cancellationToken)
    {
        var own = ledger.TokensThisHour(keyId);
        return own >= limit || own + await others.GetAsync(keyId, cancellationToken) >= limit;
    }
}
