using Azure;

namespace Proxy.Quota;

/// <summary>
/// One key's count in one window, as this process knows it. Concurrent requests for the key queue here and
/// share one conditional write per round instead of racing each other into 412s; a round grants as many of
/// them as the limit leaves and refuses the rest. Once the window is known to be used up, refusals need no
/// storage call until <see cref="QuotaOptions.ExhaustedRecheckInterval"/> has passed since the count was learnt: a
/// count can go down when a failed request gives its unit back (issue 13), here or in another process.
/// A refund made here rides the key's next write round (with the admissions waiting then, if any), so it costs one
/// conditional write at most, and none when other requests of the key are being counted anyway.
/// While the store cannot count (issue 12), this process admits uncounted while its own tally leaves room, so that it
/// never admits more than the limit in the hour; those admissions are never written (issue 13: a failure of the proxy's
/// store is not the client's fault), so the stored count stays the number of counted outcomes and those in flight.
/// A busy key whose limit leaves plenty this hour (at least <see cref="ReserveFloor"/>) also gets a reserve (issue 16): each
/// write counts a few units ahead of demand, about what arrived during the last round trip and never more than a
/// hundredth of what is left, and this process admits from them at once, without waiting for a write; the next write
/// tops the reserve up before it runs out. Reserved units are counted in the store like admitted ones, so the count never
/// admits more than the limit; what is not used within <see cref="ReserveReturnDelay"/> of the last use is given back
/// with the next write, as a refund is. Until then another process may refuse while this one holds them.
/// </summary>
internal sealed class KeyWindowCounter(
    QuotaCounterStore store, QuotaStoreGate gate, string keyId, QuotaWindow window, TimeSpan storeTimeout, TimeSpan recheckInterval, TimeProvider timeProvider)
{
    /// <summary>The least a key's limit must leave in the hour for it to be counted ahead of demand.</summary>
    internal const long ReserveFloor = 1000;

    /// <summary>How long a reserve is kept unused before it is given back.</summary>
    internal static readonly TimeSpan ReserveReturnDelay = TimeSpan.FromSeconds(1);

    // A reserve is at most this share of what the limit leaves, so that other processes lose at most that much.
    private const long ReserveShare = 100;

    private readonly object _gate = new();
    private List<Waiter> _pending = [];
    private bool _writing;

    // The stored count and its ETag as last read or written and when that was, the units given back here and not yet
    // written, and the admissions made without the store this hour; all under the gate.
    private long _count;
    private ETag? _etag;
    private long _learnedAt;
    private long _refunds;
    private long _refundsInWrite;
    private long _uncounted;

    // The reserve: units counted in the store and not yet admitted, how many to hold, admissions from it since the last
    // round began (the demand it measures), when it was last used, the key's limit as last asked, and the timer that
    // gives an unused reserve back; all under the gate.
    private long _reserved;
    private long _reserveTarget;
    private long _reservedAdmissions;
    private long _reserveUsedAt;
    private long _limit;
    private ITimer? _returnTimer;

    public QuotaWindow Window { get; } = window;

    /// <summary>
    /// Counts one request against <paramref name="limit"/>. A request whose client leaves before its round starts is taken
    /// out of it, so that it uses up nothing, and its wait ends in an <see cref="OperationCanceledException"/>.
    /// </summary>
    public Task<KeyWindowAnswer> AcquireAsync(long limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _limit = limit;
            if (_reserved > 0)
            {
                _reserved--;
                _reservedAdmissions++;
                _reserveUsedAt = timeProvider.GetTimestamp();
                if (NeedsTopUp())
                {
                    StartWriting();
                }

                return Task.FromResult(new KeyWindowAnswer(QuotaDecision.Admitted, _count - _refunds - _reserved, this));
            }

            if (_etag is not null && _count - _refunds >= limit && IsFresh())
            {
                return Task.FromResult(new KeyWindowAnswer(QuotaDecision.Exhausted));
            }

            var waiter = new Waiter(limit);
            _pending.Add(waiter);
            StartWriting();
            return cancellationToken.CanBeCanceled ? WaitAsync(waiter, cancellationToken) : waiter.Completion.Task;
        }
    }

    /// <summary>
    /// Gives one counted unit back: its request failed through no fault of the client's. Requests of this process see it
    /// at once; the store, with the key's next write round, which starts now unless one is already under way.
    /// </summary>
    public void Refund()
    {
        lock (_gate)
        {
            _refunds++;
            StartWriting();
        }
    }

    /// <summary>Admits one request without the store if this process's own count leaves room for it, and counts it.</summary>
    public bool TryAdmitUncounted(long limit)
    {
        lock (_gate)
        {
            if (_count - _refunds + _uncounted >= limit)
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
            return _count - _refunds + _uncounted >= limit;
        }
    }

    private bool IsFresh() => timeProvider.GetElapsedTime(_learnedAt) < recheckInterval;

    // Topped up at half, so that the write lands before the rest is used.
    private bool NeedsTopUp() => _reserved * 2 < _reserveTarget;

    /// <summary>Gives an unused reserve back with the key's next write; a reserve still in use waits another delay.</summary>
    private void ReturnUnusedReserve()
    {
        lock (_gate)
        {
            if (_reserved == 0)
            {
                return;
            }

            var unusedFor = timeProvider.GetElapsedTime(_reserveUsedAt);
            if (unusedFor < ReserveReturnDelay)
            {
                _returnTimer?.Change(ReserveReturnDelay - unusedFor, Timeout.InfiniteTimeSpan);
                return;
            }

            (_refunds, _reserved, _reserveTarget) = (_refunds + _reserved, 0, 0);
            StartWriting();
        }
    }

    private void StartWriting()
    {
        if (!_writing)
        {
            _writing = true;
            _ = WriteRoundsAsync();
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
        // A refund or top-up whose write failed or was shed waits for the key's next round rather than retrying at once.
        var heldBack = false;
        while (true)
        {
            List<Waiter> round;
            bool newKey;
            lock (_gate)
            {
                if (_pending.Count == 0 && ((_refunds == 0 && !NeedsTopUp()) || heldBack))
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
                heldBack = true;
                continue;
            }

            try
            {
                using var timeout = new CancellationTokenSource(storeTimeout, timeProvider);
                await WriteRoundAsync(round, timeout.Token);
                heldBack = false;
            }
            catch (Exception)
            {
                // Whatever the store said or failed to say, these requests were not counted; the limiter decides them. A
                // write that failed may still have been applied: the refunds it carried are taken as written, since
                // giving them again could admit more than the limit, and losing them only refuses too early.
                lock (_gate)
                {
                    (_refunds, _refundsInWrite) = (_refunds - _refundsInWrite, 0);
                }

                CompleteAll(round, QuotaDecision.StoreUnavailable);
                heldBack = true;
            }
        }
    }

    private async Task WriteRoundAsync(List<Waiter> round, CancellationToken cancellationToken)
    {
        round = AdmitFromReserve(round);
        long demand;
        lock (_gate)
        {
            (demand, _reservedAdmissions) = (_reservedAdmissions + round.Count, 0);
        }

        var grants = new bool[round.Count];
        while (true)
        {
            long count, refunds, reserved, limit;
            ETag? etag;
            bool fresh;
            lock (_gate)
            {
                (count, refunds, etag, fresh, reserved, limit) = (_count, _refunds, _etag, IsFresh(), _reserved, _limit);
            }

            // Units given back here count as free already: they go into this write.
            var known = Math.Max(0, count - refunds);
            var granted = 0;
            for (var i = 0; i < round.Count; i++)
            {
                grants[i] = known + granted < round[i].Limit;
                granted += grants[i] ? 1 : 0;
            }

            // Twice what came in over the last round trip, for a key with more than one request in it (a lone request has
            // nothing to share a write with, and a reserve for it would only be given back), while the limit leaves plenty.
            var left = limit - (known + granted);
            var target = demand > 1 && left >= ReserveFloor ? Math.Min(2 * demand, left / ReserveShare) : 0;
            var topUp = Math.Max(0, target - reserved);
            if (granted == 0 && refunds == 0 && topUp == 0 && etag is not null)
            {
                lock (_gate)
                {
                    _reserveTarget = target;
                }

                if (fresh || round.Count == 0)
                {
                    Complete(round, grants, known);
                    return;
                }

                // Used up when last read, but long enough ago that another process may have given units back: read again.
                await LearnAsync(cancellationToken);
                continue;
            }

            var newCount = known + granted + topUp;
            lock (_gate)
            {
                _refundsInWrite = refunds;
            }

            var writer = Guid.NewGuid().ToString("N");
            var written = await store.TryWriteAsync(keyId, Window, newCount, writer, etag, cancellationToken);

            // A lost condition is another writer's doing, or this write's own: the SDK sent it again after its answer was
            // lost, and the first one had landed. Taken for another's, its refunds would be given twice.
            if (written is null && await LearnAsync(cancellationToken) == writer)
            {
                lock (_gate)
                {
                    written = _etag;
                }
            }

            lock (_gate)
            {
                _refundsInWrite = 0;
            }

            if (written is not null)
            {
                lock (_gate)
                {
                    (_count, _etag, _learnedAt) = (newCount, written, timeProvider.GetTimestamp());
                    _refunds -= refunds;
                    (_reserved, _reserveTarget) = (_reserved + topUp, target);
                    if (topUp > 0)
                    {
                        _returnTimer ??= timeProvider.CreateTimer(static state => ((KeyWindowCounter)state!).ReturnUnusedReserve(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                        _returnTimer.Change(ReserveReturnDelay, Timeout.InfiniteTimeSpan);
                    }
                }

                Complete(round, grants, known);
                return;
            }

            // Another writer got there first: its count and ETag are learnt, so decide again.
        }
    }

    /// <summary>Requests that queued before a top-up landed take from the reserve first, as those after it do; the rest are written.</summary>
    private List<Waiter> AdmitFromReserve(List<Waiter> round)
    {
        lock (_gate)
        {
            var fromReserve = (int)Math.Min(round.Count, _reserved);
            if (fromReserve == 0)
            {
                return round;
            }

            _reserved -= fromReserve;
            _reservedAdmissions += fromReserve;
            _reserveUsedAt = timeProvider.GetTimestamp();
            var position = _count - _refunds - _reserved - fromReserve;
            for (var i = 0; i < fromReserve; i++)
            {
                round[i].Completion.TrySetResult(new(QuotaDecision.Admitted, ++position, this));
            }

            return round.GetRange(fromReserve, round.Count - fromReserve);
        }
    }

    /// <summary>Reads the stored count and its ETag into this counter; returns the write that set them.</summary>
    private async Task<string?> LearnAsync(CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync(keyId, Window, cancellationToken);
        lock (_gate)
        {
            (_count, _etag) = stored is { } row ? (row.Count, row.ETag) : (0L, (ETag?)null);
            _learnedAt = timeProvider.GetTimestamp();
        }

        return stored?.Writer;
    }

    /// <summary>Granted waiters get the counts after <paramref name="countBefore"/>, in order; the rest are refused.</summary>
    private void Complete(List<Waiter> round, bool[] grants, long countBefore)
    {
        var position = countBefore;
        for (var i = 0; i < round.Count; i++)
        {
            round[i].Completion.TrySetResult(grants[i] ? new(QuotaDecision.Admitted, ++position, this) : new(QuotaDecision.Exhausted));
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
