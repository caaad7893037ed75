namespace Proxy.Quota;

/// <summary>
/// What every key counter of a process shares: the store, the gate to it, the circuit, this process's writer id and the
/// sequence its writes are numbered in, and the timings.
/// </summary>
internal sealed record CounterContext(
    QuotaCounterStore Store,
    QuotaStoreGate Gate,
    Storage.TableStoreCircuit Circuit,
    string Writer,
    TimeSpan StoreTimeout,
    TimeSpan RecheckInterval,
    TimeSpan RetryDelay,
    TimeProvider Time)
{
    private long _lastSequence;

    /// <summary>
    /// The number of this process's next write, to whichever row: never used twice in the process, so that a row's number
    /// for this process names one write, even that of a counter forgotten and made again.
    /// </summary>
    public long NextSequence() => Interlocked.Increment(ref _lastSequence);
}
