namespace Proxy.Tests.Quota.Simulation;

/// <summary>
/// One simulated process's view of <see cref="SimulatedTime"/>: the same clock, and timers that die with the process, as
/// a killed process's timers do (<see cref="Kill"/>).
/// </summary>
internal sealed class ProcessClock(SimulatedTime time) : TimeProvider
{
    private readonly List<ITimer> _timers = [];
    private bool _killed;

    public override long TimestampFrequency => time.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => time.GetUtcNow();

    public override long GetTimestamp() => time.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = time.CreateTimer(callback, state, _killed ? Timeout.InfiniteTimeSpan : dueTime, period);
        _timers.Add(timer);
        return timer;
    }

    /// <summary>Stops every timer the process set, and makes the ones it sets from now on never fire.</summary>
    public void Kill()
    {
        _killed = true;
        _timers.ForEach(timer => timer.Dispose());
    }
}
