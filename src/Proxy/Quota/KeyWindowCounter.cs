using Azure;

namespace Proxy.Quota;

/// <summary>
/// One key's count in one window, as this process knows it. Concurrent requests for the key queue here and
/// share one conditional write per round instead of racing each other into 412s; a round grants as many of
/// them as the limit leaves and refuses the rest. Once the window is known to be used up, refusals need no
/// storage call at all: a window's count never goes down inside the hour.
/// </summary>
internal sealed class KeyWindowCounter(QuotaCounterStore store, string keyId, QuotaWindow window, TimeSpan storeTimeout, TimeProvider timeProvider)
{
    private readonly object _gate = new();
    private List<Waiter> _pending = [];
    private bool _writing;
    // Written only by the one write loop, under the gate so that AcquireAsync reads them whole.
    private long _count;
    private ETag? _etag;

    public QuotaWindow Window { get; } = window;

    /// <summary>
    /// Counts one request against <paramref name="limit"/>: the window's count including it, or null when the limit
    /// is used up. Throws when the store cannot be reached in time.
    /// </summary>
    public Task<long?> AcquireAsync(long limit)
    {
        lock (_gate)
        {
            if (_etag is not null && _count >= limit)
            {
                return Task.FromResult<long?>(null);
            }

            var waiter = new Waiter(limit);
            _pending.Add(waiter);
            if (!_writing)
            {
                _writing = true;
                _ = WriteRoundsAsync();
            }

            return waiter.Completion.Task;
        }
    }

    private async Task WriteRoundsAsync()
    {
        while (true)
        {
            List<Waiter> round;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _writing = false;
                    return;
                }

                round = _pending;
                _pending = [];
            }

            try
            {
                using var timeout = new CancellationTokenSource(storeTimeout, timeProvider);
                await WriteRoundAsync(round, timeout.Token);
            }
            catch (Exception e)
            {
                foreach (var waiter in round)
                {
                    waiter.Completion.TrySetException(e);
                }
            }
        }
    }

    private async Task WriteRoundAsync(List<Waiter> round, CancellationToken cancellationToken)
    {
        var grants = new bool[round.Count];
        while (true)
        {
            var granted = 0;
            for (var i = 0; i < round.Count; i++)
            {
                grants[i] = _count + granted < round[i].Limit;
                granted += grants[i] ? 1 : 0;
            }

            if (granted == 0 && _etag is not null)
            {
                Complete(round, grants, _count);
                return;
            }

            var newCount = _count + granted;
            var etag = _etag is { } current
                ? await store.TryReplaceAsync(keyId, Window, newCount, current, cancellationToken)
                : await store.TryInsertAsync(keyId, Window, newCount, cancellationToken);
            if (etag is not null)
            {
                Complete(round, grants, _count);
                lock (_gate)
                {
                    (_count, _etag) = (newCount, etag);
                }

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
            round[i].Completion.TrySetResult(grants[i] ? ++position : null);
        }
    }

    private sealed class Waiter(long limit)
    {
        public long Limit { get; } = limit;

        public TaskCompletionSource<long?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
