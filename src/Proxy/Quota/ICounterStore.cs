namespace Proxy.Quota;

/// <summary>
/// The store of counter rows, with Azure Table storage's semantics: a row read whole; writes of one partition sent alone
/// or as one entity-group transaction of up to 100, each with its condition, all applied or none. The protocol runs against
/// the real table (<see cref="TableCounterStore"/>) and, in the tests, against a simulated one that loses answers, times
/// out and reorders.
/// </summary>
internal interface ICounterStore
{
    /// <summary>The row, with <paramref name="writer"/>'s sequence number in it (0 if it never wrote it), or null when absent.</summary>
    Task<StoredCounter?> ReadAsync(CounterRowAddress address, string writer, CancellationToken cancellationToken);

    /// <summary>
    /// One store call with <paramref name="writes"/> (one per row) to <paramref name="partition"/>: each write's outcome, in
    /// order. A call that fails without an answer throws, and then each of its writes may or may not have been applied.
    /// </summary>
    Task<CounterWriteResult[]> SubmitAsync(string table, string partition, IReadOnlyList<CounterWrite> writes, CancellationToken cancellationToken);

    /// <summary>One small call that only tells whether the store answers; throws when it does not.</summary>
    Task ProbeAsync(CancellationToken cancellationToken);
}
