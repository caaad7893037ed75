using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Proxy.Storage;

namespace Proxy.Quota;

/// <summary>
/// Counts requests per key and UTC hour in Table storage, exactly across any number of processes:
/// with limit L and N concurrent requests on one key, min(N, L) are admitted.
/// </summary>
public sealed class QuotaLimiter
{
    private readonly QuotaCounterStore _store;
    private readonly TableStoreCircuit _circuit;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _storeTimeout;

    // This hour's counters by key. Counters of past hours are dropped when the hour turns, so memory is
    // bounded by the keys seen in one hour.
    private readonly ConcurrentDictionary<string, KeyWindowCounter> _counters = new(StringComparer.Ordinal);
    private QuotaWindow _currentWindow;

    public QuotaLimiter(QuotaCounterStore store, TableStoreCircuit circuit, IOptions<QuotaOptions> options, TimeProvider timeProvider)
    {
        _store = store;
        _circuit = circuit;
        _timeProvider = timeProvider;
        _storeTimeout = options.Value.StoreTimeout;
    }

    /// <summary>Counts one request of <paramref name="keyId"/> against <paramref name="limit"/> (null: no limit).</summary>
    public async ValueTask<QuotaLease> AcquireAsync(string keyId, int? limit)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        if (limit is null)
        {
            return QuotaLease.Unlimited;
        }

        if (_circuit.IsOpen)
        {
            return QuotaLease.StoreUnavailable;
        }

        var now = _timeProvider.GetUtcNow();
        var window = QuotaWindow.Containing(now);
        var counter = CounterFor(keyId, window);
        try
        {
            var count = await counter.AcquireAsync(limit.Value);
            var resetAfter = window.ResetAfter(_timeProvider.GetUtcNow());
            return count is { } position
                ? new QuotaLease(QuotaDecision.Admitted, limit.Value, limit.Value - position, resetAfter)
                : new QuotaLease(QuotaDecision.Exhausted, limit.Value, 0, resetAfter);
        }
        catch (Exception)
        {
            // Whatever the store said or failed to say, this request cannot be counted; the circuit spares the next ones.
            _circuit.RecordFailure();
            return QuotaLease.StoreUnavailable;
        }
    }

    private KeyWindowCounter CounterFor(string keyId, QuotaWindow window)
    {
        if (window != _currentWindow)
        {
            _currentWindow = window;
            foreach (var (key, stale) in _counters)
            {
                if (stale.Window != window)
                {
                    _counters.TryRemove(new KeyValuePair<string, KeyWindowCounter>(key, stale));
                }
            }
        }

        var counter = _counters.GetOrAdd(keyId, static (id, state) => state.Limiter.NewCounter(id, state.Window), (Limiter: this, Window: window));
        if (counter.Window == window)
        {
            return counter;
        }

        var fresh = NewCounter(keyId, window);
        _counters[keyId] = fresh;
        return fresh;
    }

    private KeyWindowCounter NewCounter(string keyId, QuotaWindow window) => new(_store, keyId, window, _storeTimeout, _timeProvider);
}
