using Proxy.Quota;

namespace Proxy.Standalone;

/// <summary>The standalone host's stand-in for the Functions timer: drops expired quota tables at start and hourly.</summary>
internal sealed partial class QuotaRetentionService(QuotaRetention retention, TimeProvider timeProvider, ILogger<QuotaRetentionService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), timeProvider);
        do
        {
            try
            {
                await retention.PurgeExpiredAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The next hour tries again; counting does not depend on this.
                PurgeFailed(logger);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Dropping expired quota tables failed; retrying in an hour")]
    private static partial void PurgeFailed(ILogger logger);
}
