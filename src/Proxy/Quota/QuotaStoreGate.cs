using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Proxy.Quota;

/// <summary>
/// Bounds the counter writes in flight at once, and the share of them for keys this process has no counter row of yet
/// this hour: in pass-through mode any string is a key, so a burst of made-up keys is a burst of inserts,
/// and unbounded it slowed the store past <see cref="QuotaOptions.StoreTimeout"/>, opened the circuit and let every key
/// through uncounted. A round that cannot get its permits is shed instead: its requests are refused (503) and the
/// circuit, which opens only for a store call that failed, is not touched.
/// </summary>
internal sealed class QuotaStoreGate : IDisposable
{
    private readonly ConcurrencyLimiter _writes;
    private readonly ConcurrencyLimiter _newKeys;
    private readonly TimeSpan _queueTimeout;
    private readonly TimeProvider _timeProvider;

    public QuotaStoreGate(IOptions<QuotaOptions> options, TimeProvider timeProvider)
    {
        var quota = options.Value;
        _writes = Limiter(quota.MaxConcurrentStoreWrites, quota.StoreQueueLimit);
        _newKeys = Limiter(quota.MaxConcurrentNewKeys, quota.StoreQueueLimit);
        _queueTimeout = quota.StoreTimeout;
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// The permits for one write round, or null when it is shed: the queue is full, or the wait for a permit took longer
    /// than the store timeout (a request never waits longer for a permit than it would for the store).
    /// </summary>
    public async ValueTask<Permit?> EnterAsync(bool newKey)
    {
        using var timeout = new CancellationTokenSource(_queueTimeout, _timeProvider);
        RateLimitLease? newKeyLease = null;
        RateLimitLease? writeLease = null;
        try
        {
            if (newKey)
            {
                newKeyLease = await _newKeys.AcquireAsync(1, timeout.Token);
                if (!newKeyLease.IsAcquired)
                {
                    newKeyLease.Dispose();
                    return null;
                }
            }

            writeLease = await _writes.AcquireAsync(1, timeout.Token);
            if (writeLease.IsAcquired)
            {
                return new Permit(writeLease, newKeyLease);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
        }

        writeLease?.Dispose();
        newKeyLease?.Dispose();
        return null;
    }

    public void Dispose()
    {
        _writes.Dispose();
        _newKeys.Dispose();
    }

    private static ConcurrencyLimiter Limiter(int permits, int queue) => new(new ConcurrencyLimiterOptions
    {
        PermitLimit = permits,
        QueueLimit = queue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    /// <summary>What one write round holds while it talks to the store.</summary>
    internal sealed class Permit(RateLimitLease write, RateLimitLease? newKey) : IDisposable
    {
        public void Dispose()
        {
            write.Dispose();
            newKey?.Dispose();
        }
    }
}
