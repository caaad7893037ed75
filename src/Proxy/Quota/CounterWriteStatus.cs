namespace Proxy.Quota;

/// <summary>The outcome of one counter write whose store call answered (a call that did not leaves every write of it unknown).</summary>
internal enum CounterWriteStatus
{
    /// <summary>Applied; the row has a new ETag.</summary>
    Written,

    /// <summary>Not applied: the row was there for an insert, or had another ETag (or was gone) for a merge.</summary>
    ConditionLost,

    /// <summary>Not applied: another write of the same entity-group transaction lost its condition, and a transaction is all or nothing.</summary>
    NotApplied,

    /// <summary>Never sent: its writer stopped waiting while it was queued behind another call to its partition.</summary>
    NotSent,
}
