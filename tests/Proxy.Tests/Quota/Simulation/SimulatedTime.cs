namespace Proxy.Tests.Quota.Simulation;

/// <summary>
/// The clock of a simulation: it stands still while there is work to run, and jumps to the next timer when there is none
/// (<see cref="SimulationScheduler"/>). Timers fire on the simulation's thread, in due order, ties in creation order.
/// </summary>
internal sealed class SimulatedTime(DateTimeOffset start) : TimeProvider
{
    private readonly PriorityQueue<SimulatedTimer, (long Due, long Order)> _due = new();
    private long _now;
    private long _order;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => start + TimeSpan.FromTicks(_now);

    public override long GetTimestamp() => _now;

    public TimeSpan Elapsed => TimeSpan.FromTicks(_now);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SimulatedTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock to the next timer due and fires every timer due then; false when no timer is set.</summary>
    public bool FireNext()
    {
        while (_due.TryPeek(out var timer, out var at))
        {
            if (timer.Version != at.Order)
            {
                // Changed or disposed since it was queued.
                _due.Dequeue();
                continue;
            }

            _now = Math.Max(_now, at.Due);
            _due.Dequeue();
            timer.Fire();
            return true;
        }

        return false;
    }

    private void Schedule(SimulatedTimer timer, TimeSpan dueTime)
    {
        timer.Version = ++_order;
        _due.Enqueue(timer, (_now + Math.Max(0, dueTime.Ticks), timer.Version));
    }

    private sealed class SimulatedTimer(SimulatedTime time, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        private bool _disposed;

        public long Version { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (_disposed)
            {
                return false;
            }

            Version = -1;
            _period = period;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                time.Schedule(this, dueTime);
            }

            return true;
        }

        public void Fire()
        {
            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
            {
                time.Schedule(this, _period);
            }

            callback(state);
        }

        public void Dispose() => (Version, _disposed) = (-1, true);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
