using Azure;

namespace Proxy.Quota;

/// <summary>
/// One conditional write of a counter row: its new counts and the writer's sequence number, as an insert when
/// <see cref="IfMatch"/> is null (the row was absent) or else a merge that lands only if the row still has that ETag.
/// </summary>
internal sealed record CounterWrite(string Row, CounterUnits Counts, string Writer, long Sequence, ETag? IfMatch);
