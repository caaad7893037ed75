using Azure;

namespace Proxy.Quota;

/// <summary>
/// A counter row as the store holds it: its counts, its ETag, and the sequence number of the last write one process (the
/// reader) made to it, which tells that process which of its own writes landed.
/// </summary>
internal readonly record struct StoredCounter(CounterUnits Counts, ETag ETag, long Sequence);
