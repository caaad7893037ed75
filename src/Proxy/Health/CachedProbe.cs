namespace Proxy.Health;

/// <summary>
/// One dependency's probe, run at most once per <see cref="HealthOptions.CacheDuration"/>: health requests that come
/// while it runs wait for the same run, and those after it get its answer until it is stale. So however often
/// <c>/health</c> is called, the dependency sees one call per interval. The run is never cancelled by the request that
/// started it, since others wait for it too; <see cref="HealthOptions.ProbeTimeout"/> bounds it.
/// </summary>
internal sealed class CachedProbe(Func<TimeSpan, Task<string?>> probe, HealthOptions options, TimeProvider timeProvider)
{
    private readonly object _gate = new();
    private Task<string?>? _run;
    private long _finishedAt;

    /// <summary>Null when the dependency answered, else the cause (<see cref="Storage.StorageFailureCause"/>).</summary>
    public Task<string?> GetAsync()
    {
        lock (_gate)
        {
            if (_run is null || (_run.IsCompleted && timeProvider.GetElapsedTime(Volatile.Read(ref _finishedAt)) >= options.CacheDuration))
            {
                _run = RunAsync();
            }

            return _run;
        }
    }

    private async Task<string?> RunAsync()
    {
        // Off the caller's lock before the probe starts.
        await Task.Yield();
        try
        {
            return await probe(options.ProbeTimeout);
        }
        finally
        {
            Volatile.Write(ref _finishedAt, timeProvider.GetTimestamp());
        }
    }
}
