using System.Collections.Concurrent;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace Proxy.Quota;

/// <summary>
/// The counter rows of every key's hours (<see cref="ICounterStore"/>): where a key's row is, a row read whole, and the
/// writes, which go through one <see cref="CounterBatcher"/> per partition of the current hour so that many keys' writes
/// share store calls.
/// </summary>
public sealed class QuotaCounterStore
{
    private readonly ICounterStore _store;
    private readonly string _tablePrefix;
    private readonly TimeSpan _storeTimeout;
    private readonly TimeProvider _timeProvider;

    // The current hour's batchers, made again around the top of the hour; a write of the hour before gets batchers of its own.
    private HourBatchers? _current;

    public QuotaCounterStore(TableServiceClient tableService, IOptions<QuotaOptions> options, TimeProvider timeProvider)
        : this(new TableCounterStore(tableService), options.Value, timeProvider)
    {
    }

    internal QuotaCounterStore(ICounterStore store, QuotaOptions options, TimeProvider timeProvider)
    {
        _store = store;
        _tablePrefix = options.TablePrefix;
        _storeTimeout = options.StoreTimeout;
        _timeProvider = timeProvider;
    }

    /// <summary>The counts of a key's hour, or null when nothing has been counted in it.</summary>
    public async Task<(long Requests, long Tokens)?> ReadCountsAsync(string keyId, QuotaWindow window, CancellationToken cancellationToken = default) =>
        await _store.ReadAsync(AddressOf(keyId, window), writer: string.Empty, cancellationToken) is { } row ? (row.Counts.Requests, row.Counts.Tokens) : null;

    internal CounterRowAddress AddressOf(string keyId, QuotaWindow window) => CounterRowAddress.Of(_tablePrefix, window, keyId);

    internal Task<StoredCounter?> ReadAsync(CounterRowAddress address, string writer, CancellationToken cancellationToken) =>
        _store.ReadAsync(address, writer, cancellationToken);

    internal Task<CounterWriteResult> WriteAsync(CounterRowAddress address, CounterWrite write, CancellationToken cancellationToken) =>
        BatcherFor(address).WriteAsync(write, cancellationToken);

    private CounterBatcher BatcherFor(CounterRowAddress address)
    {
        var hour = Volatile.Read(ref _current);
        if (hour is null || hour.Table != address.Table || !address.Partition.StartsWith(hour.Id, StringComparison.Ordinal))
        {
            hour = new HourBatchers(address.Table, address.Partition[..address.Partition.LastIndexOf('-')], new ConcurrentDictionary<string, CounterBatcher>(StringComparer.Ordinal));
            Volatile.Write(ref _current, hour);
        }

        return hour.Batchers.GetOrAdd(address.Partition, static (partition, state) =>
            new CounterBatcher(state.Store._store, state.Table, partition, state.Store._storeTimeout, state.Store._timeProvider), (Store: this, address.Table));
    }

    private sealed record HourBatchers(string Table, string Id, ConcurrentDictionary<string, CounterBatcher> Batchers);
}
