namespace Proxy.Tests.Infrastructure;

/// <summary>Samples a process's resident memory every 20 ms and keeps the peak.</summary>
internal sealed class MemorySampler : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<long> _sampling;

    public MemorySampler(ProxyProcess process) => _sampling = SampleAsync(process, _stop.Token);

    /// <summary>Stops sampling and returns the peak working set seen, in bytes.</summary>
    public long Stop()
    {
        _stop.Cancel();
        return _sampling.GetAwaiter().GetResult();
    }

    public void Dispose() => _stop.Dispose();

    private static async Task<long> SampleAsync(ProxyProcess process, CancellationToken cancellationToken)
    {
        long peak = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            peak = Math.Max(peak, process.WorkingSet);
            try
            {
                await Task.Delay(20, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return Math.Max(peak, process.WorkingSet);
    }
}
