using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy.Storage;

namespace Proxy.Usage;

/// <summary>
/// Writes the <see cref="UsageLedger"/>'s changed totals every <see cref="UsageOptions.FlushInterval"/>, never on a
/// request's path, and once more when the host stops. A write that fails is simply made again at the next interval with
/// the totals then: rows hold absolute totals, so nothing is counted twice. Once an hour it also deletes the rows of
/// hours older than <see cref="UsageOptions.RetentionDays"/> (every instance does; deleting what is gone costs one query).
/// </summary>
internal sealed class UsageFlushService(
    UsageLedger ledger, UsageTable table, IOptions<UsageOptions> options, TimeProvider timeProvider, ILogger<UsageFlushService> logger) : BackgroundService
{
    private readonly UsageOptions _options = options.Value;

    private DateTimeOffset _nextPurge;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.FlushInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await FlushAsync(stoppingToken);
                    await PurgeIfDueAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    var (cause, pending) = (StorageFailureCause.Of(e), ledger.TakeChanged().Count);
                    UsageLog.FlushFailed(logger, cause, pending, (long)_options.FlushInterval.TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>After the loop has stopped: the last counts go out within the host's shutdown timeout.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!_options.Enabled)
        {
            return;
        }

        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception e)
        {
            LostOnShutdown(e);
        }
    }

    internal async Task FlushAsync(CancellationToken cancellationToken)
    {
        var changed = ledger.TakeChanged();
        if (changed.Count > 0)
        {
            var rows = changed.Select(item => UsageEntity.From(item.Totals, ledger.InstanceId)).ToList();
            await table.WriteAsync(rows, cancellationToken);
            foreach (var (tally, _, version) in changed)
            {
                tally.MarkFlushed(version);
            }
        }

        ledger.DropWrittenPastHours();
    }

    private async Task PurgeIfDueAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (now < _nextPurge)
        {
            return;
        }

        _nextPurge = now.AddHours(1);
        var oldestKept = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1 - _options.RetentionDays);
        var deleted = await table.DeleteBeforeAsync(oldestKept, cancellationToken);
        if (deleted > 0)
        {
            var hour = UsageEntity.HourOf(oldestKept);
            UsageLog.Purged(logger, deleted, hour);
        }
    }

    private void LostOnShutdown(Exception e)
    {
        var cause = e is OperationCanceledException ? StorageFailureCause.TimedOut : StorageFailureCause.Of(e);
        var lost = ledger.TakeChanged().Count;
        UsageLog.LostOnShutdown(logger, cause, lost);
    }
}
