namespace Proxy.Tests.Quota.Simulation;

/// <summary>
/// Runs a simulation's every continuation on one thread, in an order a seeded random number generator picks among those
/// ready, and moves <see cref="SimulatedTime"/> only when none is: the same seed runs the same interleaving again. The code
/// under test awaits on this synchronization context, so every continuation comes back here; one that would run anywhere
/// else (the thread pool) fails the run, since the interleaving would no longer be the seed's.
/// </summary>
internal sealed class SimulationScheduler(Random random, SimulatedTime time) : SynchronizationContext
{
    private readonly List<(SendOrPostCallback Callback, object? State)> _ready = [];
    private int _thread;

    /// <summary>How many continuations ran: the size of the interleaving.</summary>
    public long Steps { get; private set; }

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_ready)
        {
            _ready.Add((d, state));
        }
    }

    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("A simulation never blocks on its own thread.");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>
    /// Runs <paramref name="start"/> and everything it sets going until nothing is ready and no timer is set, or the clock
    /// passes <paramref name="until"/>; <paramref name="afterStep"/> runs after each step (the invariants).
    /// </summary>
    public void Run(Action start, TimeSpan until, Action afterStep)
    {
        var previous = Current;
        SetSynchronizationContext(this);
        _thread = Environment.CurrentManagedThreadId;
        try
        {
            Post(_ => start(), null);
            while (true)
            {
                (SendOrPostCallback Callback, object? State) next;
                lock (_ready)
                {
                    if (_ready.Count == 0)
                    {
                        next = default;
                    }
                    else
                    {
                        var index = random.Next(_ready.Count);
                        next = _ready[index];
                        _ready[index] = _ready[^1];
                        _ready.RemoveAt(_ready.Count - 1);
                    }
                }

                if (next.Callback is null)
                {
                    if (time.Elapsed > until || !time.FireNext())
                    {
                        return;
                    }

                    afterStep();
                    continue;
                }

                next.Callback(next.State);
                Steps++;
                afterStep();
            }
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    /// <summary>Fails the run when called off the simulation's thread.</summary>
    public void AssertOnSimulationThread(string what)
    {
        if (Environment.CurrentManagedThreadId != _thread)
        {
            throw new InvalidOperationException($"{what} ran off the simulation's thread: a continuation escaped to the thread pool.");
        }
    }
}
