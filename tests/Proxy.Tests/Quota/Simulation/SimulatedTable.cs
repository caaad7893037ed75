using System.Globalization;
using Azure;
using Proxy.Quota;

namespace Proxy.Tests.Quota.Simulation;

/// <summary>
/// The counter rows of a simulation, with Azure Table storage's semantics: an insert of a row that exists and a merge on
/// an ETag the row no longer has lose their condition; an entity-group transaction applies all its writes or none, and
/// names the first whose condition was lost. Every ETag is new. It keeps each row's history of counts, for the invariants.
/// </summary>
internal sealed class SimulatedTable(SimulatedTime time)
{
    private readonly Dictionary<(string Table, string Partition, string Row), Row> _rows = [];
    private long _version;

    /// <summary>Every row's counts over time, by address: when each write landed and what it set.</summary>
    public Dictionary<CounterRowAddress, List<(TimeSpan At, CounterUnits Counts)>> History { get; } = [];

    /// <summary>Writes applied, over all rows: the store's transactions are counted by the client.</summary>
    public long AppliedWrites { get; private set; }

    /// <summary>Writes applied to each partition (the entities Azure Table storage's per-partition target counts).</summary>
    public Dictionary<string, long> WritesByPartition { get; } = new(StringComparer.Ordinal);

    public StoredCounter? Read(CounterRowAddress address, string writer) =>
        _rows.TryGetValue((address.Table, address.Partition, address.Row), out var row)
            ? new StoredCounter(row.Counts, row.ETag, row.Sequences.GetValueOrDefault(writer))
            : null;

    public CounterUnits? CountsOf(CounterRowAddress address) =>
        _rows.TryGetValue((address.Table, address.Partition, address.Row), out var row) ? row.Counts : null;

    /// <summary>Applies <paramref name="writes"/> to one partition as the store does: alone, or all or nothing.</summary>
    public CounterWriteResult[] Apply(string table, string partition, IReadOnlyList<CounterWrite> writes)
    {
        var lost = -1;
        for (var i = 0; i < writes.Count && lost < 0; i++)
        {
            var exists = _rows.TryGetValue((table, partition, writes[i].Row), out var row);
            lost = (writes[i].IfMatch is { } etag ? !exists || row!.ETag != etag : exists) ? i : -1;
        }

        if (lost >= 0)
        {
            return [.. writes.Select((_, index) => index == lost ? CounterWriteResult.Lost : CounterWriteResult.NotApplied)];
        }

        var results = new CounterWriteResult[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            var key = (table, partition, write.Row);
            if (!_rows.TryGetValue(key, out var row))
            {
                row = new Row();
                _rows[key] = row;
            }

            row.Counts = write.Counts;
            row.Sequences[write.Writer] = write.Sequence;
            row.ETag = new ETag("W/\"" + (++_version).ToString(CultureInfo.InvariantCulture) + "\"");
            AppliedWrites++;
            WritesByPartition[table + "/" + partition] = WritesByPartition.GetValueOrDefault(table + "/" + partition) + 1;
            var address = new CounterRowAddress(table, partition, write.Row);
            if (!History.TryGetValue(address, out var history))
            {
                history = [];
                History[address] = history;
            }

            history.Add((time.Elapsed, write.Counts));
            results[i] = new CounterWriteResult(CounterWriteStatus.Written, row.ETag);
        }

        return results;
    }

    private sealed class Row
    {
        public CounterUnits Counts { get; set; }

        public ETag ETag { get; set; }

        public Dictionary<string, long> Sequences { get; } = new(StringComparer.Ordinal);
    }
}
