using Azure;

namespace Proxy.Quota;

/// <summary>
/// One key's counter row in one hour, as this process knows it and writes it: the state machine of docs/quota.md. The
/// requests of the key that wait at once share a round: at most a read and one conditional write, which admits as many of
/// them as the limits in force leave and refuses the rest. Units given back (refunds, token settles) are seen by this
/// process's admissions at once and ride the key's next write. A write whose answer never came is settled before the
/// counter writes again: the row names the last write each process made to it, so a read tells whether that write landed,
/// and a landed write whose requests were already answered without it gives their units back. After a failure, a round
/// with units still to write is tried again a <see cref="QuotaOptions.ProbeInterval"/> later. A busy key whose limit
/// leaves plenty this hour gets a reserve: units counted in the row ahead of demand, from which this process admits at
/// once, each admission compared with the limit in force; what is not used within <see cref="ReserveReturnDelay"/> is
/// given back.
/// </summary>
internal sealed class KeyCounter
{
    /// <summary>The least a key's limit must leave in the hour for it to be counted ahead of demand.</summary>
    internal const long ReserveFloor = 1000;

    /// <summary>How long a reserve is kept unused before it is given back.</summary>
    internal static readonly TimeSpan ReserveReturnDelay = TimeSpan.FromSeconds(1);

    // A reserve is at most this share of what the limit leaves, so that other processes lose at most that much.
    private const long ReserveShare = 100;

    private readonly CounterContext _context;
    private readonly CounterRowAddress _address;
    private readonly object _gate = new();
    private List<Waiter> _waiting = [];
    private bool _running;

    // The row as last read or written: whether it is known, whether it exists, its counts and ETag, and when it was learnt.
    private bool _known;
    private bool _exists;
    private CounterUnits _stored;
    private ETag _etag;
    private long _learnedAt;

    // Units given back here and not yet known to be written.
    private CounterUnits _owed;

    // Writes sent on the row as it was at _condition (null: absent) whose outcome is unknown: at most one of them can land,
    // and none once the row has moved on without it.
    private readonly List<SentWrite> _unsettled = [];
    private ETag? _condition;

    // Requests admitted without the store this hour (fail-open), requests admitted by the row and not yet settled, and the
    // timer that tries a failed round again.
    private long _uncounted;
    private long _leases;
    private ITimer? _retry;

    // Set once the limiter has let go of this counter: it is used no more, and the key gets a new one that reads the row.
    private bool _forgotten;

    // The reserve: units counted in the row and not yet admitted, admissions from it since the last round (the demand it
    // measures), when it was last used, and the timer that gives it back when unused.
    private long _reserved;
    private long _reserveAdmissions;
    private long _reserveUsedAt;
    private ITimer? _returnTimer;

    public KeyCounter(CounterContext context, string keyId, QuotaWindow window)
    {
        _context = context;
        _address = context.Store.AddressOf(keyId, window);
        Window = window;
    }

    public QuotaWindow Window { get; }

    /// <summary>Whether the limiter has let go of this counter (<see cref="TryForget"/>), so that the key needs a new one.</summary>
    public bool IsForgotten
    {
        get
        {
            lock (_gate)
            {
                return _forgotten;
            }
        }
    }

    /// <summary>Whether no round is under way and nothing is owed or unsettled: this counter makes no store call until asked.</summary>
    public bool IsQuiet
    {
        get
        {
            lock (_gate)
            {
                return !_running && _waiting.Count == 0 && _owed.IsZero && _unsettled.Count == 0 && _reserved == 0;
            }
        }
    }

    /// <summary>
    /// Lets go of this counter if nothing of it is waiting, under way, owed or admitted and unsettled: the key's next
    /// request gets a new counter, which reads the row back. Every later call on this one answers null.
    /// </summary>
    public bool TryForget()
    {
        lock (_gate)
        {
            _forgotten |= !_running && _waiting.Count == 0 && _owed.IsZero && _unsettled.Count == 0 && _uncounted == 0 && _leases == 0 && _reserved == 0;
            return _forgotten;
        }
    }

    /// <summary>
    /// Counts one request; null when this counter is forgotten. A request whose client leaves before its round starts is
    /// taken out of it, so that it uses up nothing, and its wait ends in an <see cref="OperationCanceledException"/>.
    /// </summary>
    public Task<CounterAnswer>? TryAcquireAsync(CounterAsk ask, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_forgotten)
            {
                return null;
            }

            if (_reserved > 0 && ask.TokenLimit is null && !ask.Peek)
            {
                // From the reserve, at once, if the limit in force leaves room: a lowered limit gives the reserve back instead.
                if (Counted().Requests < ask.RequestLimit)
                {
                    _reserved--;
                    _reserveAdmissions++;
                    _reserveUsedAt = _context.Time.GetTimestamp();
                    _leases++;
                    return Task.FromResult(new CounterAnswer(QuotaDecision.Admitted, Counted(), this));
                }

                ReturnReserve();
            }

            if (!ask.Peek && _known && _unsettled.Count == 0 && IsFresh() && RefusalOf(ask, Counted()) is { } refused)
            {
                return Task.FromResult(new CounterAnswer(refused, Counted()));
            }

            var waiter = new Waiter(ask);
            _waiting.Add(waiter);
            StartRounds();
            return cancellationToken.CanBeCanceled ? WaitAsync(waiter, cancellationToken) : waiter.Completion.Task;
        }
    }

    /// <summary>
    /// Settles a request this counter admitted: <paramref name="change"/> is what its outcome changes of what it counted
    /// (negative to give back, positive to charge more). This process's admissions see it at once, the row with the key's
    /// next round.
    /// </summary>
    public void Settle(CounterUnits change)
    {
        lock (_gate)
        {
            _leases--;
            if (!change.IsZero)
            {
                _owed += change;
                StartRounds();
            }
        }
    }

    /// <summary>
    /// Without the store: under fail-open (<paramref name="admit"/>) admits one request if this process's own count leaves
    /// room for it, and counts it; under fail-closed only says whether it would. Null when this counter is forgotten.
    /// </summary>
    public bool? TryAdmitUncounted(long limit, bool admit)
    {
        lock (_gate)
        {
            if (_forgotten)
            {
                return null;
            }

            if (Counted().Requests + _uncounted >= limit)
            {
                return false;
            }

            _uncounted += admit ? 1 : 0;
            return true;
        }
    }

    private static QuotaDecision? RefusalOf(CounterAsk ask, CounterUnits counted)
    {
        if (counted.Requests >= ask.RequestLimit)
        {
            return QuotaDecision.Exhausted;
        }

        // A request that reserves nothing (no body) is still refused once the hour's tokens are all held.
        return ask.TokenLimit is { } tokenLimit && (CounterUnits.Saturating(counted.TokensHeld, ask.Tokens) > tokenLimit || counted.TokensHeld >= tokenLimit)
            ? QuotaDecision.TokensExhausted
            : null;
    }

    /// <summary>What an admitted request adds to the row: itself, and its tokens reserved until its answer's usage is known.</summary>
    private static CounterUnits Units(CounterAsk ask) => new(1, 0, ask.TokenLimit is null ? 0 : ask.Tokens);

    private bool IsFresh() => _context.Time.GetElapsedTime(_learnedAt) < _context.RecheckInterval;

    /// <summary>What the row counts for admitted requests, as this process knows it: its counts, less what is owed back and the reserve.</summary>
    private CounterUnits Counted() => _stored + _owed - new CounterUnits(_reserved, 0);

    /// <summary>Gives the whole reserve back with the key's next round.</summary>
    private void ReturnReserve()
    {
        _owed -= new CounterUnits(_reserved, 0);
        _reserved = 0;
        StartRounds();
    }

    /// <summary>Adds <paramref name="units"/> to the reserve, which is given back once unused for <see cref="ReserveReturnDelay"/>.</summary>
    private void Reserve(long units)
    {
        if (units == 0)
        {
            return;
        }

        _reserved += units;
        _reserveUsedAt = _context.Time.GetTimestamp();
        _returnTimer ??= _context.Time.CreateTimer(static state => ((KeyCounter)state!).ReturnUnusedReserve(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _returnTimer.Change(ReserveReturnDelay, Timeout.InfiniteTimeSpan);
    }

    private void ReturnUnusedReserve()
    {
        lock (_gate)
        {
            if (_reserved == 0)
            {
                return;
            }

            var unusedFor = _context.Time.GetElapsedTime(_reserveUsedAt);
            if (unusedFor < ReserveReturnDelay)
            {
                _returnTimer?.Change(ReserveReturnDelay - unusedFor, Timeout.InfiniteTimeSpan);
                return;
            }

            ReturnReserve();
        }
    }

    /// <summary>
    /// Units to count ahead of demand with this round: twice what came in since the last round, when more than one request
    /// did and none has a token limit, at most a hundredth of what the lowest limit in force leaves after
    /// <paramref name="counted"/>, and only while it leaves at least <see cref="ReserveFloor"/>; less what is still reserved.
    /// </summary>
    private long TopUp(List<Waiter> round, CounterUnits counted)
    {
        var asking = round.Count(waiter => !waiter.Ask.Peek);
        var demand = asking + _reserveAdmissions;
        _reserveAdmissions = 0;
        if (demand < 2 || asking == 0 || round.Any(waiter => waiter.Ask.TokenLimit is not null))
        {
            return 0;
        }

        var left = round.Min(waiter => waiter.Ask.RequestLimit) - counted.Requests;
        var target = left >= ReserveFloor ? Math.Min(2 * demand, left / ReserveShare) : 0;
        return Math.Max(0, target - _reserved);
    }

    private void StartRounds()
    {
        if (!_running)
        {
            _running = true;
            _ = RunRoundsAsync();
        }
    }

    private async Task<CounterAnswer> WaitAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(static state =>
        {
            var (counter, waiter) = ((KeyCounter, Waiter))state!;
            lock (counter._gate)
            {
                counter._waiting.Remove(waiter);
            }

            waiter.Completion.TrySetCanceled();
        }, (this, waiter));
        return await waiter.Completion.Task;
    }

    private async Task RunRoundsAsync()
    {
        while (true)
        {
            List<Waiter> round;
            bool newKey;
            lock (_gate)
            {
                if (_waiting.Count == 0 && ((_owed.IsZero && _unsettled.Count == 0) || _context.Circuit.IsOpen))
                {
                    // Nothing to do, or only the row to put right while the store is down: the retry comes back to it.
                    _running = false;
                    ArmRetryIfOwed();
                    return;
                }

                round = _waiting;
                _waiting = [];
                newKey = !_known || !_exists;
            }

            var sentAt = _context.Time.GetTimestamp();
            using var permit = await _context.Gate.EnterAsync(newKey);
            if (permit is null)
            {
                Answer(round, new CounterAnswer(QuotaDecision.Shed));
                StopAfterFailure();
                return;
            }

            try
            {
                using var timeout = new CancellationTokenSource(_context.StoreTimeout, _context.Time);
                await RoundAsync(round, timeout.Token);
            }
            catch (Exception e)
            {
                // Whatever the store did with this round's write, its requests are not admitted by it: they are decided
                // without the store (fail-open or closed) if it is gone, or shed if it is only slow, and the write, if it
                // landed, gives their units back once a read shows it.
                lock (_gate)
                {
                    foreach (var write in _unsettled)
                    {
                        if (!write.Answered)
                        {
                            // Its requests are not admitted by it: the reserve's units they took are the reserve's again.
                            write.Answered = true;
                            Reserve(write.FromReserve);
                        }
                    }
                }

                Answer(round, new CounterAnswer(_context.Circuit.IsOutage(e, sentAt) ? QuotaDecision.StoreUnavailable : QuotaDecision.Shed));
                StopAfterFailure();
                return;
            }
        }
    }

    /// <summary>One round: learn the row if it must be, admit what fits, write, and settle the write's outcome.</summary>
    private async Task RoundAsync(List<Waiter> round, CancellationToken cancellationToken)
    {
        // A row not known yet is taken for absent: the first write is an insert, which loses its condition if the row is
        // there after all, and only then is it read. A new key costs one call, not two.
        // A peek is answered with what the row counts now, read from the store.
        bool mustRead;
        lock (_gate)
        {
            mustRead = _unsettled.Count > 0 || round.Exists(waiter => waiter.Ask.Peek);
        }

        while (true)
        {
            if (mustRead)
            {
                var row = await _context.Store.ReadAsync(_address, _context.Writer, cancellationToken);
                _context.Circuit.RecordAnswer();
                if (Learn(row))
                {
                    return;
                }
            }

            SentWrite write;
            lock (_gate)
            {
                var grants = new bool[round.Count];
                var granted = default(CounterUnits);
                var before = Counted();
                for (var i = 0; i < round.Count; i++)
                {
                    grants[i] = !round[i].Ask.Peek && RefusalOf(round[i].Ask, before + granted) is null;
                    granted += grants[i] ? Units(round[i].Ask) : default;
                }

                // Granted requests take the reserve's units first; only the rest, and a top-up, are new units in the row.
                var fromReserve = Math.Min(_reserved, round.Where((waiter, i) => grants[i] && waiter.Ask.TokenLimit is null).Count());
                _reserved -= fromReserve;
                var topUp = TopUp(round, before + granted);
                var added = granted - new CounterUnits(fromReserve, 0) + new CounterUnits(topUp, 0);

                // A write whose outcome is still unknown is settled by writing on the same condition: exactly one of the two
                // can land. With nothing else to write, the row's own counts are written again to that end.
                if (_owed.IsZero && added.IsZero && _unsettled.Count == 0)
                {
                    if (!mustRead && (!_known || !IsFresh()) && round.Count > 0 && fromReserve == 0)
                    {
                        // Refusals decided on a count not known, or learnt long enough ago that another process may have given
                        // units back.
                        mustRead = true;
                        continue;
                    }

                    Complete(round, grants, before);
                    return;
                }

                write = new SentWrite(_context.NextSequence(), _owed, added, fromReserve, topUp, round, grants, before, _stored + _owed + added);
                _unsettled.Add(write);
                _condition = _exists ? _etag : null;
            }

            var result = await _context.Store.WriteAsync(_address,
                new CounterWrite(_address.Row, write.Counts, _context.Writer, write.Sequence, _condition), cancellationToken);
            switch (result.Status)
            {
                case CounterWriteStatus.Written:
                    _context.Circuit.RecordAnswer();
                    Landed(write, result.ETag, write.Counts);
                    return;
                case CounterWriteStatus.NotSent:
                    lock (_gate)
                    {
                        // Never sent, so it never lands: the reserve's units its requests were to take are the reserve's again.
                        _unsettled.Remove(write);
                        Reserve(write.FromReserve);
                    }

                    throw new OperationCanceledException("The write was never sent: its partition's calls took longer than the store timeout.");
                default:
                    // Another writer was first, or this very write was, if the storage SDK sent it again after its answer was
                    // lost: the read tells which.
                    _context.Circuit.RecordAnswer();
                    mustRead = true;
                    break;
            }
        }
    }

    /// <summary>
    /// Takes <paramref name="row"/> as the row now, and settles the writes whose outcome was unknown against it: true when
    /// one of them landed and was this round's, whose requests are then answered.
    /// </summary>
    private bool Learn(StoredCounter? row)
    {
        SentWrite? landed;
        lock (_gate)
        {
            landed = row is { } stored ? _unsettled.Find(write => write.Sequence == stored.Sequence) : null;
            if (landed is null && MovedOn(row))
            {
                // The row moved on from the condition those writes were sent on: none of them can land any more, and what
                // they gave back is still owed.
                DiscardUnsettled(except: null);
            }

            (_known, _exists) = (true, row is not null);
            (_stored, _etag) = row is { } current ? (current.Counts, current.ETag) : (default, default);
            _learnedAt = _context.Time.GetTimestamp();
        }

        return landed is not null && Landed(landed, row!.Value.ETag, row.Value.Counts);
    }

    private bool MovedOn(StoredCounter? row) =>
        _unsettled.Count > 0 && (_condition is { } condition ? row is not { } stored || stored.ETag != condition : row is not null);

    /// <summary>
    /// <paramref name="write"/> landed; the row is now <paramref name="counts"/> at <paramref name="etag"/>. What it gave
    /// back is written; if its requests were answered without it, their units are given back. True when they were not,
    /// and are answered now.
    /// </summary>
    private bool Landed(SentWrite write, ETag etag, CounterUnits counts)
    {
        lock (_gate)
        {
            (_known, _exists, _stored, _etag) = (true, true, counts, etag);
            _learnedAt = _context.Time.GetTimestamp();
            _owed -= write.Owed;
            if (write.Answered)
            {
                _owed -= write.Added;
            }
            else
            {
                Reserve(write.TopUp);
            }

            DiscardUnsettled(except: write);
        }

        if (write.Answered)
        {
            return false;
        }

        Complete(write.Round, write.Grants, write.Before);
        return true;
    }

    /// <summary>
    /// Forgets the writes that can no longer land (all but <paramref name="except"/>, the one that did): the reserve's
    /// units that a write's requests were to take, if they are still waiting, are the reserve's again.
    /// </summary>
    private void DiscardUnsettled(SentWrite? except)
    {
        foreach (var write in _unsettled)
        {
            if (write != except && !write.Answered)
            {
                Reserve(write.FromReserve);
            }
        }

        _unsettled.Clear();
    }

    /// <summary>Granted requests get the counts after <paramref name="before"/>, in order; the rest are refused for what ran out.</summary>
    private void Complete(List<Waiter> round, bool[] grants, CounterUnits before)
    {
        var counted = before;
        for (var i = 0; i < round.Count; i++)
        {
            var ask = round[i].Ask;
            if (grants[i])
            {
                counted += Units(ask);
                if (round[i].Completion.TrySetResult(new CounterAnswer(QuotaDecision.Admitted, counted, this)))
                {
                    lock (_gate)
                    {
                        _leases++;
                    }
                }
            }
            else if (ask.Peek)
            {
                round[i].Completion.TrySetResult(new CounterAnswer(QuotaDecision.Uncounted, counted));
            }
            else
            {
                round[i].Completion.TrySetResult(new CounterAnswer(RefusalOf(ask, counted) ?? QuotaDecision.Exhausted, counted));
            }
        }
    }

    private static void Answer(List<Waiter> round, CounterAnswer answer)
    {
        foreach (var waiter in round)
        {
            waiter.Completion.TrySetResult(answer);
        }
    }

    private void StopAfterFailure()
    {
        lock (_gate)
        {
            _running = false;
            if (_waiting.Count > 0)
            {
                // Requests that came during the failed round get a round of their own.
                StartRounds();
            }
            else
            {
                ArmRetryIfOwed();
            }
        }
    }

    private void ArmRetryIfOwed()
    {
        if (_owed.IsZero && _unsettled.Count == 0)
        {
            return;
        }

        _retry ??= _context.Time.CreateTimer(static state => ((KeyCounter)state!).Retry(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _retry.Change(_context.RetryDelay, Timeout.InfiniteTimeSpan);
    }

    private void Retry()
    {
        lock (_gate)
        {
            StartRounds();
        }
    }

    private sealed class Waiter(CounterAsk ask)
    {
        public CounterAsk Ask { get; } = ask;

        public TaskCompletionSource<CounterAnswer> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// A write sent and not yet known to have landed: its sequence number, the owed units it carries, the units it adds (its
    /// grants beyond those taken from the reserve, and a top-up), the counts it sets, and its round, whose requests are
    /// answered by it, or were <see cref="Answered"/> without it.
    /// </summary>
    private sealed class SentWrite(
        long sequence, CounterUnits owed, CounterUnits added, long fromReserve, long topUp, List<Waiter> round, bool[] grants, CounterUnits before, CounterUnits counts)
    {
        public long Sequence { get; } = sequence;

        public CounterUnits Owed { get; } = owed;

        public CounterUnits Added { get; } = added;

        public long FromReserve { get; } = fromReserve;

        public long TopUp { get; } = topUp;

        public List<Waiter> Round { get; } = round;

        public bool[] Grants { get; } = grants;

        public CounterUnits Counts { get; } = counts;

        /// <summary>What the row counted for admitted requests before this round's: where its grants' positions start.</summary>
        public CounterUnits Before { get; } = before;

        public bool Answered { get; set; }
    }
}
