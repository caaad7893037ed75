using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Proxy.Storage;

namespace Proxy.Quota;

/// <summary>
/// Counts requests per key and UTC hour in Table storage, exactly across any number of processes (docs/quota.md): with
/// limit L and N concurrent requests on one key, min(N, L) are admitted. A request whose failure was not the client's
/// fault gives its unit back (<see cref="QuotaLease.Settle"/>), so at most L per key and hour end in a counted outcome. While the store
/// is gone, each process counts in memory and admits (fail-open) at most L per key in the hour; a store that is only slow
/// sheds requests instead (503), so that no burst of client traffic lets a key past its limit.
/// </summary>
public sealed class QuotaLimiter : IDisposable
{
    private readonly TableStoreCircuit _circuit;
    private readonly QuotaStoreGate _gate;
    private readonly CounterContext _context;
    private readonly TimeProvider _timeProvider;
    private readonly QuotaFailureMode _failureMode;
    private readonly int _maxKeys;

    // This hour's counters by key, at most MaxKeysInMemory of them: idle ones are forgotten (and read back when their key
    // comes again), and counters of past hours are dropped when the hour turns.
    private readonly ConcurrentDictionary<string, KeyCounter> _counters = new(StringComparer.Ordinal);
    private readonly Lock _sweepGate = new();
    private QuotaWindow _currentWindow;

    public QuotaLimiter(QuotaCounterStore store, TableStoreCircuit circuit, IOptions<QuotaOptions> options, TimeProvider timeProvider)
    {
        var quota = options.Value;
        _circuit = circuit;
        _gate = new QuotaStoreGate(options, timeProvider);
        _timeProvider = timeProvider;
        _failureMode = quota.FailureMode;
        _maxKeys = quota.MaxKeysInMemory;

        // Each process writes its own sequence numbers into the rows it counts (docs/quota.md): its id names them.
        _context = new CounterContext(store, _gate, circuit, Guid.NewGuid().ToString("N")[..12], quota.StoreTimeout,
            quota.ExhaustedRecheckInterval, quota.ProbeInterval, timeProvider);
    }

    /// <summary>How many keys' counters this process holds now.</summary>
    internal int CountersInMemory => _counters.Count;

    /// <summary>Whether every counter this process holds is quiet: no store call of the quota's is under way or due.</summary>
    internal bool IsQuiet => _counters.Values.All(counter => counter.IsQuiet);

    /// <summary>
    /// Counts one request of <paramref name="keyId"/> against <paramref name="limit"/> (null: no limit). Throws an
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> (the client leaving) ends the wait.
    /// </summary>
    public ValueTask<QuotaLease> AcquireAsync(string keyId, int? limit, CancellationToken cancellationToken = default) =>
        AcquireAsync(keyId, limit, tokenLimit: null, tokens: 0, cancellationToken);

    /// <summary>
    /// Counts one request of <paramref name="keyId"/> against <paramref name="limit"/> (null: no limit), and for a key with a
    /// <paramref name="tokenLimit"/> reserves <paramref name="tokens"/> (an upper bound of its tokens) in the same write: a
    /// request whose reservation does not fit what is left of the hour's tokens is refused. The answer's usage replaces the
    /// reservation when the request is settled (<see cref="QuotaLease.Settle"/>).
    /// </summary>
    public async ValueTask<QuotaLease> AcquireAsync(string keyId, int? limit, long? tokenLimit, long tokens, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        if (limit is null && tokenLimit is null)
        {
            return QuotaLease.Unlimited;
        }

        var ask = new CounterAsk(limit ?? long.MaxValue, tokenLimit, tokenLimit is null ? 0 : Math.Max(0, tokens));
        var window = QuotaWindow.Containing(_timeProvider.GetUtcNow());
        while (true)
        {
            if (CounterFor(keyId, window) is not { } counter)
            {
                return QuotaLease.Shed;
            }

            if (_circuit.IsOpen)
            {
                if (WithoutStore(counter, ask, window) is { } decided)
                {
                    return decided;
                }

                continue;
            }

            if (counter.TryAcquireAsync(ask, cancellationToken) is not { } asked)
            {
                // Forgotten while this request took it: the key's new counter reads the row back.
                continue;
            }

            var answer = await asked;
            switch (answer.Decision)
            {
                case QuotaDecision.Admitted or QuotaDecision.Exhausted or QuotaDecision.TokensExhausted:
                    return Counted(answer, ask, window);
                case QuotaDecision.StoreUnavailable when WithoutStore(counter, ask, window) is { } decided:
                    return decided;
                case QuotaDecision.StoreUnavailable:
                    continue;
                default:
                    return QuotaLease.Shed;
            }
        }
    }

    /// <summary>
    /// What <paramref name="keyId"/>'s counter row counts for this hour's admitted requests, read from the store through the
    /// same gate as every count (concurrent reads of a key share one); null when the store cannot say (its circuit open, or
    /// the read shed). A key with no limit has no row, and counts nothing.
    /// </summary>
    internal async ValueTask<CounterUnits?> ReadAsync(string keyId, int? limit, long? tokenLimit, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        if (limit is null && tokenLimit is null)
        {
            return default(CounterUnits);
        }

        var ask = new CounterAsk(limit ?? long.MaxValue, tokenLimit, 0, Peek: true);
        var window = QuotaWindow.Containing(_timeProvider.GetUtcNow());
        while (true)
        {
            if (_circuit.IsOpen || CounterFor(keyId, window) is not { } counter)
            {
                return null;
            }

            if (counter.TryAcquireAsync(ask, cancellationToken) is { } asked)
            {
                var answer = await asked;
                return answer.Decision == QuotaDecision.Uncounted ? answer.Counts : null;
            }
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>
    /// The store cannot count: this process's own count of requests decides (tokens cannot be reserved without the store).
    /// Fail-open admits uncounted while it leaves room, and counts the admission; fail-closed admits nothing. Either way a
    /// key this process knows is used up gets the 429. Null when the counter was forgotten meanwhile.
    /// </summary>
    private QuotaLease? WithoutStore(KeyCounter counter, CounterAsk ask, QuotaWindow window) =>
        // Under fail-closed, StoreUnavailable is the handler's 503.
        counter.TryAdmitUncounted(ask.RequestLimit, admit: _failureMode == QuotaFailureMode.Open) switch
        {
            true => QuotaLease.StoreUnavailable,
            false => new(QuotaDecision.Exhausted, ask.RequestLimit, 0, window.ResetAfter(_timeProvider.GetUtcNow())),
            null => null,
        };

    /// <summary>The lease of a request the row decided: admitted, or refused for its requests or its tokens.</summary>
    private QuotaLease Counted(CounterAnswer answer, CounterAsk ask, QuotaWindow window)
    {
        var admitted = answer.Decision == QuotaDecision.Admitted;
        return new QuotaLease(answer.Decision, ask.RequestLimit, Math.Max(0, ask.RequestLimit - answer.Counts.Requests), window.ResetAfter(_timeProvider.GetUtcNow()))
        {
            Counter = admitted ? answer.Counter : null,
            CountsRequests = ask.RequestLimit != long.MaxValue,
            TokenLimit = ask.TokenLimit,
            TokensRemaining = ask.TokenLimit is { } tokenLimit ? Math.Max(0, tokenLimit - answer.Counts.TokensHeld) : 0,
            Reservation = ask.TokenLimit is null ? 0 : ask.Tokens,
            TokensInFlight = Math.Max(0, answer.Counts.Reserved),
        };
    }

    /// <summary>The key's counter of <paramref name="window"/>; null when this process holds as many as it may and none is idle.</summary>
    private KeyCounter? CounterFor(string keyId, QuotaWindow window)
    {
        if (window != _currentWindow)
        {
            _currentWindow = window;
            foreach (var (key, stale) in _counters)
            {
                if (stale.Window != window)
                {
                    _counters.TryRemove(new KeyValuePair<string, KeyCounter>(key, stale));
                }
            }
        }

        if (_counters.TryGetValue(keyId, out var known) && known.Window == window && !known.IsForgotten)
        {
            return known;
        }

        if (_counters.Count >= _maxKeys && !ForgetIdleCounters())
        {
            return null;
        }

        var fresh = new KeyCounter(_context, keyId, window);
        return _counters.AddOrUpdate(keyId, fresh, (_, existing) => existing.Window == window && !existing.IsForgotten ? existing : fresh);
    }

    /// <summary>Forgets every idle counter; false when none was, and the process holds as many as it may.</summary>
    private bool ForgetIdleCounters()
    {
        lock (_sweepGate)
        {
            if (_counters.Count < _maxKeys)
            {
                return true;
            }

            foreach (var (key, counter) in _counters)
            {
                if (counter.TryForget())
                {
                    _counters.TryRemove(new KeyValuePair<string, KeyCounter>(key, counter));
                }
            }

            return _counters.Count < _maxKeys;
        }
    }
}
