using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Proxy.Errors;
using Proxy.Storage;

namespace Proxy.Quota;

/// <summary>
/// Counts requests per key and UTC hour in Table storage, exactly across any number of processes:
/// with limit L and N concurrent requests on one key, min(N, L) are admitted. While the store cannot count, each
/// process counts in memory and admits (fail-open) at most L per key in the hour. A request whose failure was not the
/// client's fault gives its unit back (<see cref="Settle"/>), so at most L per key and hour end in a counted outcome.
/// </summary>
public sealed class QuotaLimiter : IDisposable
{
    private readonly QuotaCounterStore _store;
    private readonly TableStoreCircuit _circuit;
    private readonly QuotaStoreGate _gate;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _storeTimeout;
    private readonly TimeSpan _recheckInterval;
    private readonly QuotaFailureMode _failureMode;

    // This hour's counters by key. Counters of past hours are dropped when the hour turns, so memory is
    // bounded by the keys seen in one hour.
    private readonly ConcurrentDictionary<string, KeyWindowCounter> _counters = new(StringComparer.Ordinal);
    private QuotaWindow _currentWindow;

    public QuotaLimiter(QuotaCounterStore store, TableStoreCircuit circuit, IOptions<QuotaOptions> options, TimeProvider timeProvider)
    {
        _store = store;
        _circuit = circuit;
        _gate = new QuotaStoreGate(options, timeProvider);
        _timeProvider = timeProvider;
        _storeTimeout = options.Value.StoreTimeout;
        _recheckInterval = options.Value.ExhaustedRecheckInterval;
        _failureMode = options.Value.FailureMode;
    }

    /// <summary>
    /// Counts one request of <paramref name="keyId"/> against <paramref name="limit"/> (null: no limit). Throws an
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> (the client leaving) ends the wait.
    /// </summary>
    public async ValueTask<QuotaLease> AcquireAsync(string keyId, int? limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        if (limit is null)
        {
            return QuotaLease.Unlimited;
        }

        var window = QuotaWindow.Containing(_timeProvider.GetUtcNow());
        var counter = CounterFor(keyId, window);
        if (_circuit.IsOpen)
        {
            return WithoutStore(counter, limit.Value, window);
        }

        var answer = await counter.AcquireAsync(limit.Value, cancellationToken);
        switch (answer.Decision)
        {
            case QuotaDecision.Admitted:
                return new QuotaLease(QuotaDecision.Admitted, limit.Value, limit.Value - answer.Count, window.ResetAfter(_timeProvider.GetUtcNow()))
                {
                    Counter = answer.Counter,
                };
            case QuotaDecision.Exhausted:
                return Exhausted(limit.Value, window);
            case QuotaDecision.Shed:
                return QuotaLease.Shed;
            default:
                // The store failed this request's write; the circuit spares the next ones the wait.
                _circuit.RecordFailure();
                return WithoutStore(counter, limit.Value, window);
        }
    }

    /// <summary>
    /// Settles a request once its outcome is known: a failure that was not the client's fault (<see cref="QuotaRefundRule"/>)
    /// gives its unit back to the window it was counted in. Returns at once; the write goes with the key's next round.
    /// </summary>
    public void Settle(QuotaLease? lease, ProxyError? error)
    {
        if (lease?.Counter is { } counter && QuotaRefundRule.IsGivenBack(lease, error) == true
            && counter.Window == QuotaWindow.Containing(_timeProvider.GetUtcNow()) && lease.TrySettle())
        {
            counter.Refund();
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>
    /// The store cannot count: this process's own count decides. Fail-open admits uncounted while it leaves room, and
    /// counts the admission; fail-closed admits nothing. Either way a key this process knows is used up gets the 429.
    /// </summary>
    private QuotaLease WithoutStore(KeyWindowCounter counter, int limit, QuotaWindow window)
    {
        // Under fail-closed, StoreUnavailable is the handler's 503.
        var hasRoom = _failureMode == QuotaFailureMode.Open ? counter.TryAdmitUncounted(limit) : !counter.IsExhausted(limit);
        return hasRoom ? QuotaLease.StoreUnavailable : Exhausted(limit, window);
    }

    private QuotaLease Exhausted(int limit, QuotaWindow window) =>
        new(QuotaDecision.Exhausted, limit, 0, window.ResetAfter(_timeProvider.GetUtcNow()));

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

    private KeyWindowCounter NewCounter(string keyId, QuotaWindow window) => new(_store, _gate, keyId, window, _storeTimeout, _recheckInterval, _timeProvider);
}
