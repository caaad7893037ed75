namespace Proxy.Quota;

/// <summary>
/// The counter writes to one partition of an hour. Writes of different keys that arrive while a call to the partition is
/// under way wait for it, then go together in one entity-group transaction, each with its own condition: a burst of many
/// keys costs one store call per partition per round trip instead of one per key. A write that arrives alone goes alone,
/// at once. A transaction is all or nothing: when one of its writes loses its condition, that write is answered as lost
/// and the rest go again, so each write gets the answer it would have got alone.
/// </summary>
internal sealed class CounterBatcher(ICounterStore store, string table, string partition, TimeSpan callTimeout, TimeProvider timeProvider)
{
    /// <summary>The store's limit on the operations of one entity-group transaction.</summary>
    public const int MaxBatch = 100;

    private readonly object _gate = new();
    private List<Queued> _pending = [];
    private bool _submitting;

    /// <summary>
    /// Sends <paramref name="write"/> with the partition's next call. Its outcome; <see cref="CounterWriteStatus.NotSent"/> when
    /// <paramref name="cancellationToken"/> ended the wait before it was sent. Throws when its call failed without an answer:
    /// then the write may or may not have been applied.
    /// </summary>
    public Task<CounterWriteResult> WriteAsync(CounterWrite write, CancellationToken cancellationToken)
    {
        var queued = new Queued(write);
        lock (_gate)
        {
            _pending.Add(queued);
            if (!_submitting)
            {
                _submitting = true;
                _ = SubmitRoundsAsync();
            }
        }

        if (cancellationToken.CanBeCanceled)
        {
            queued.Registration = cancellationToken.Register(static state =>
            {
                var (batcher, withdrawn) = ((CounterBatcher, Queued))state!;
                batcher.Withdraw(withdrawn);
            }, (this, queued));
        }

        return queued.Completion.Task;
    }

    private void Withdraw(Queued queued)
    {
        lock (_gate)
        {
            if (!_pending.Remove(queued))
            {
                return;
            }
        }

        queued.Completion.TrySetResult(CounterWriteResult.NotSent);
    }

    private async Task SubmitRoundsAsync()
    {
        while (NextBatch() is { } batch)
        {
            try
            {
                using var timeout = new CancellationTokenSource(callTimeout, timeProvider);
                var results = await store.SubmitAsync(table, partition, [.. batch.Select(queued => queued.Write)], timeout.Token);
                var retry = new List<Queued>();
                for (var i = 0; i < batch.Count; i++)
                {
                    if (results[i].Status == CounterWriteStatus.NotApplied)
                    {
                        retry.Add(batch[i]);
                    }
                    else
                    {
                        batch[i].Complete(results[i]);
                    }
                }

                if (retry.Count > 0)
                {
                    lock (_gate)
                    {
                        _pending.InsertRange(0, retry);
                    }
                }
            }
            catch (Exception e)
            {
                // No answer: each write of the call may or may not have been applied, and its writer finds out.
                foreach (var queued in batch)
                {
                    queued.Fail(e);
                }
            }
        }
    }

    /// <summary>The writes for the next call: up to <see cref="MaxBatch"/>, one per row (a row twice in a transaction is refused).</summary>
    private List<Queued>? NextBatch()
    {
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                _submitting = false;
                return null;
            }

            var batch = new List<Queued>(Math.Min(_pending.Count, MaxBatch));
            var rows = new HashSet<string>(StringComparer.Ordinal);
            var rest = new List<Queued>();
            foreach (var queued in _pending)
            {
                (batch.Count < MaxBatch && rows.Add(queued.Write.Row) ? batch : rest).Add(queued);
            }

            _pending = rest;
            return batch;
        }
    }

    private sealed class Queued(CounterWrite write)
    {
        public CounterWrite Write { get; } = write;

        public TaskCompletionSource<CounterWriteResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }

        public void Complete(CounterWriteResult result)
        {
            Registration.Dispose();
            Completion.TrySetResult(result);
        }

        public void Fail(Exception exception)
        {
            Registration.Dispose();
            Completion.TrySetException(exception);
        }
    }
}
