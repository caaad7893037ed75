using Microsoft.Azure.Functions.Worker;
using Proxy.Quota;

namespace Proxy.Functions;

/// <summary>Once an hour, drops the quota tables of days past the retention period.</summary>
public sealed class QuotaRetentionFunction(QuotaRetention retention)
{
    [Function("QuotaRetention")]
    public Task RunAsync([TimerTrigger("0 7 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        return retention.PurgeExpiredAsync(cancellationToken);
    }
}
