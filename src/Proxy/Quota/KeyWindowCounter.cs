using Azure;

namespace Proxy.Quota;

/// <summary>
/// One key's count in one window, as this process knows it. Concurrent requests for the key queue here and
/// share one conditional write per round instead of racing each other into 412s; a round grants as many of
/// them as the limit leaves and refuses the rest. Once the window is known to be used up, refusals need no
/// storage call at all: a window's count never goes down inside the hour.
/// While the store cannot count (issue 12), the counter goes on counting in memory: what it admits uncounted adds to
/// what it knows of the stored count, so this process never admits more than the limit in the hour, and the next
/// write for the key adds those admissions to the stored count, which so catches up.
/// </summary>
internal sealed class KeyWindowCounter(QuotaCounterStore store, QuotaStoreGate gate, string keyId, QuotaWindow window, TimeSpan storeTimeout, TimeProvider timeProvider)
{
    private readonly object _gate = new();
    private List<Waiter> _pending = [];
    private bool _writing;

    // The stored count and its ETag as last read or written, and the admissions made since without the store; all
    // under the gate (the write loop sets the first two, a request admitted uncounted the third).
    private long _count;
    private ETag? _etag;
    private long _uncounted;

    public QuotaWindow Window { get; } = window;

    /// <summary>
    /// Counts one request against <paramref name="limit"/>. A request whose client leaves before its round starts is taken
    /// out of it, so that it uses up nothing, and its wait ends in an <see cref="OperationCanceledException"/>.
    /// </summary>
    public Task<KeyWindowAnswer> AcquireAsync(long limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_etag is not null && _uncounted == 0 && _count >= limit)
            {
                return Task.FromResult(new KeyWindowAnswer(QuotaDecision.Exhausted));
            }

            var waiter = new Waiter(limit);
            _pending.Add(waiter);
            if (!_writing)
            {
                _writing = true;
                _ = WriteRoundsAsync();
            }

            return cancellationToken.CanBeCanceled ? WaitAsync(waiter, cancellationToken) : waiter.Completion.Task;
        }
    }

    /// <summary>Admits one request without the store if this process's own count leaves room for it, and counts it.</summary>
    public bool TryAdmitUncounted(long limit)
    {
        lock (_gate)
        {
            if (_count + _uncounted >= limit)
            {
                return false;
            }

            _uncounted++;
            return true;
        }
    }

    /// <summary>Whether this process's own count says the window is used up.</summary>
    public bool IsExhausted(long limit)
    {
        lock (_gate)
        {
            return _count + _uncounted >= limit;
        }
    }

    private async Task<KeyWindowAnswer> WaitAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(static state =>
        {
            var (counter, waiter) = ((KeyWindowCounter, Waiter))state!;
            lock (counter._gate)
            {
                counter._pending.Remove(waiter);
            }

            waiter.Completion.TrySetCanceled();
        }, (this, waiter));
        return await waiter.Completion.Task;
    }

    private async Task WriteRoundsAsync()
    {
        while (true)
        {
            List<Waiter> round;
            bool newKey;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _writing = false;
                    return;
                }

                round = _pending;
                _pending = [];
                newKey = _etag is null;
            }

            using var permit = await gate.EnterAsync(newKey);
            if (permit is null)
            {
                CompleteAll(round, QuotaDecision.Shed);
                continue;
            }

            try
            {
                using var timeout = new CancellationTokenSource(storeTimeout, timeProvider);
                await WriteRoundAsync(round, timeout.Token);
            }
            catch (Exception)
            {
                // Whatever the store said or failed to say, these requests were not counted; the limiter decides them.
                CompleteAll(round, QuotaDecision.StoreUnavailable);
            }
        }
    }

    private async Task WriteRoundAsync(List<Waiter> round, CancellationToken cancellationToken)
    {
        var grants = new bool[round.Count];
        while (true)
        {
            long count, uncounted;
            ETag? etag;
            lock (_gate)
            {
                (count, uncounted, etag) = (_count, _uncounted, _etag);
            }

            // Admissions made without the store count as if stored: they go into this write.
            var known = count + uncounted;
            var granted = 0;
            for (var i = 0; i < round.Count; i++)
            {
                grants[i] = known + granted < round[i].Limit;
                granted += grants[i] ? 1 : 0;
            }

            if (granted == 0 && uncounted == 0 && etag is not null)
            {
                Complete(round, grants, known);
                return;
            }

            var newCount = known + granted;
            var written = etag is { } current
                ? await store.TryReplaceAsync(keyId, Window, newCount, current, cancellationToken)
                : await store.TryInsertAsync(keyId, Window, newCount, cancellationToken);
            if (written is not null)
            {
                lock (_gate)
                {
                    (_count, _etag) = (newCount, written);
                    _uncounted -= uncounted;
                }

                Complete(round, grants, known);
                return;
            }

            // Another writer got there first: learn its count and ETag, then decide again.
            var stored = await store.ReadAsync(keyId, Window, cancellationToken);
            lock (_gate)
            {
                (_count, _etag) = stored is { } row ? (row.Count, row.ETag) : (0L, (ETag?)null);
            }
        }
    }

    /// <summary>Granted waiters get the counts after <paramref name="countBefore"/>, in order; the rest are refused.</summary>
    private static void Complete(List<Waiter> round, bool[] grants, long countBefore)
    {
        var position = countBefore;
        for (var i = 0; i < round.Count; i++)
        {
            round[i].Completion.TrySetResult(grants[i] ? new(QuotaDecision.Admitted, ++position) : new(QuotaDecision.Exhausted));
        }
    }

    private static void CompleteAll(List<Waiter> round, QuotaDecision decision)
    {
        foreach (var waiter in round)
        {
            waiter.Completion.TrySetResult(new(decision));
        }
    }

    private sealed class Waiter(long limit)
    {
        public long Limit { get; } = limit;

        public TaskCompletionSource<KeyWindowAnswer> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
