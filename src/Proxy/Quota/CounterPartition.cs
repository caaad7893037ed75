using System.Net;
using Azure;
using Azure.Data.Tables;

namespace Proxy.Quota;

/// <summary>
/// The conditional counter writes for one partition of one day's table (issue 16). Writes of different keys that arrive
/// while one call to the partition is under way wait for it, then go together in one entity-group transaction, each with
/// its own condition (an insert, or a replace if its ETag still matches): a burst of many keys costs one store call per
/// partition per round trip instead of one per key. A write that arrives alone goes alone, at once, as a single call, so
/// that a lone request pays no wait and no multipart overhead. A transaction is all or nothing: when one of its writes
/// loses its condition the store names it, that write is answered as lost (another writer was first) and the rest go
/// again; so each write gets the answer it would have got alone.
/// </summary>
internal sealed class CounterPartition(TableClient table, string partitionKey, TimeSpan storeTimeout, TimeProvider timeProvider)
{
    /// <summary>The store's limit on the operations of one entity-group transaction.</summary>
    public const int MaxBatch = 100;

    // The store's error code for a table that does not exist, as against a row that does not (ResourceNotFound).
    private const string TableNotFound = "TableNotFound";

    private readonly object _gate = new();
    private List<CounterWrite> _pending = [];
    private bool _submitting;

    /// <summary>
    /// Writes <paramref name="count"/> and <paramref name="writer"/> into the row <paramref name="rowKey"/>: an insert when <paramref name="ifMatch"/> is
    /// null, else a replace on that ETag. Returns the new ETag, or null when another writer was first (409, 412, or the row is
    /// gone). <paramref name="cancellationToken"/> ends the wait; a write not yet sent then is never sent.
    /// </summary>
    public Task<ETag?> WriteAsync(string rowKey, long count, string writer, ETag? ifMatch, CancellationToken cancellationToken)
    {
        var write = new CounterWrite(new QuotaCounterEntity { PartitionKey = partitionKey, RowKey = rowKey, Count = count, Writer = writer }, ifMatch, cancellationToken);
        lock (_gate)
        {
            _pending.Add(write);
            if (!_submitting)
            {
                _submitting = true;
                _ = SubmitRoundsAsync();
            }
        }

        return cancellationToken.CanBeCanceled ? write.WaitAsync() : write.Completion.Task;
    }

    private async Task SubmitRoundsAsync()
    {
        while (NextBatch() is { } batch)
        {
            var retry = batch.Count == 1 ? await WriteAloneAsync(batch[0]) : await WriteTogetherAsync(batch);
            if (retry.Count > 0)
            {
                lock (_gate)
                {
                    _pending.InsertRange(0, retry);
                }
            }
        }
    }

    /// <summary>The writes for the next call: up to <see cref="MaxBatch"/>, none whose writer left, one per row (a row twice is a 400).</summary>
    private List<CounterWrite>? NextBatch()
    {
        lock (_gate)
        {
            _pending.RemoveAll(write => write.CancellationToken.IsCancellationRequested);
            if (_pending.Count == 0)
            {
                _submitting = false;
                return null;
            }

            if (_pending.Count == 1)
            {
                var alone = _pending;
                _pending = [];
                return alone;
            }

            var batch = new List<CounterWrite>(Math.Min(_pending.Count, MaxBatch));
            var rows = new HashSet<string>(StringComparer.Ordinal);
            var rest = new List<CounterWrite>();
            foreach (var write in _pending)
            {
                (batch.Count < MaxBatch && rows.Add(write.Entity.RowKey) ? batch : rest).Add(write);
            }

            _pending = rest;
            return batch;
        }
    }

    private async Task<List<CounterWrite>> WriteAloneAsync(CounterWrite write)
    {
        using var timeout = new CancellationTokenSource(storeTimeout, timeProvider);
        try
        {
            var response = write.IfMatch is { } etag
                ? await table.UpdateEntityAsync(write.Entity, etag, TableUpdateMode.Replace, timeout.Token)
                : await table.AddEntityAsync(write.Entity, timeout.Token);
            write.Completion.TrySetResult(response.Headers.ETag);
        }
        catch (RequestFailedException e) when (IsLostCondition(e, write))
        {
            write.Completion.TrySetResult(null);
        }
        catch (RequestFailedException e) when (e.ErrorCode == TableNotFound)
        {
            // The first count of a UTC day creates that day's table; the write then goes again.
            return await CreateTableAsync([write], timeout.Token);
        }
        catch (Exception e)
        {
            Fail([write], e);
        }

        return [];
    }

    private async Task<List<CounterWrite>> WriteTogetherAsync(List<CounterWrite> batch)
    {
        using var timeout = new CancellationTokenSource(storeTimeout, timeProvider);
        try
        {
            var actions = batch.Select(write => write.IfMatch is { } etag
                ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, write.Entity, etag)
                : new TableTransactionAction(TableTransactionActionType.Add, write.Entity));
            var responses = (await table.SubmitTransactionAsync(actions, timeout.Token)).Value;
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(responses[i].Headers.ETag);
            }
        }
        catch (TableTransactionFailedException e) when (e.FailedTransactionActionIndex is { } failed && failed < batch.Count && IsLostCondition(e, batch[failed]))
        {
            // Nothing of the transaction was applied: the write that lost its condition is answered, the others go again.
            batch[failed].Completion.TrySetResult(null);
            batch.RemoveAt(failed);
            return batch;
        }
        catch (TableTransactionFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed
            || (e.Status == (int)HttpStatusCode.NotFound && e.ErrorCode != TableNotFound))
        {
            // A lost condition the store did not say the index of: each write goes alone, and gets its own answer.
            var retry = new List<CounterWrite>();
            foreach (var write in batch)
            {
                retry.AddRange(await WriteAloneAsync(write));
            }

            return retry;
        }
        catch (RequestFailedException e) when (e.ErrorCode == TableNotFound)
        {
            return await CreateTableAsync(batch, timeout.Token);
        }
        catch (Exception e)
        {
            Fail(batch, e);
        }

        return [];
    }

    private async Task<List<CounterWrite>> CreateTableAsync(List<CounterWrite> writes, CancellationToken cancellationToken)
    {
        try
        {
            await table.CreateIfNotExistsAsync(cancellationToken);
            return writes;
        }
        catch (Exception e)
        {
            Fail(writes, e);
            return [];
        }
    }

    /// <summary>The store failed the call: its writes may or may not have been applied, and their writers decide what that means.</summary>
    private static void Fail(List<CounterWrite> writes, Exception e)
    {
        foreach (var write in writes)
        {
            write.Completion.TrySetException(e);
        }
    }

    /// <summary>Another writer was first: the row exists for an insert, or has another ETag or is gone for a replace.</summary>
    private static bool IsLostCondition(RequestFailedException e, CounterWrite write) =>
        write.IfMatch is null
            ? e.Status == (int)HttpStatusCode.Conflict
            : e.Status == (int)HttpStatusCode.PreconditionFailed || (e.Status == (int)HttpStatusCode.NotFound && e.ErrorCode != TableNotFound);

    private sealed class CounterWrite(QuotaCounterEntity entity, ETag? ifMatch, CancellationToken cancellationToken)
    {
        public QuotaCounterEntity Entity { get; } = entity;

        public ETag? IfMatch { get; } = ifMatch;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<ETag?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<ETag?> WaitAsync()
        {
            using var registration = CancellationToken.Register(static state => ((TaskCompletionSource<ETag?>)state!).TrySetCanceled(), Completion);
            return await Completion.Task;
        }
    }
}
