using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy.Quota;

namespace Proxy.Storage;

/// <summary>
/// A circuit breaker for Table storage. The first failure opens it; while it is open, requests skip the store
/// and go straight to the failure mode, so a dead store costs them nothing. A background probe, never a
/// client's request, checks every <see cref="QuotaOptions.ProbeInterval"/> and closes it when the store answers.
/// (Polly's breaker lets a client request be the half-open probe, which would make that request wait out
/// the store timeout.)
/// </summary>
public sealed class TableStoreCircuit(
    TableServiceClient tableService, IOptions<QuotaOptions> options, TimeProvider timeProvider, ILogger<TableStoreCircuit> logger)
{
    private readonly QuotaOptions _options = options.Value;
    private int _open;

    public bool IsOpen => Volatile.Read(ref _open) == 1;

    public void RecordFailure()
    {
        if (Interlocked.CompareExchange(ref _open, 1, 0) == 0)
        {
            StorageLog.CircuitOpened(logger);
            _ = ProbeUntilBackAsync();
        }
    }

    private async Task ProbeUntilBackAsync()
    {
        while (true)
        {
            await Task.Delay(_options.ProbeInterval, timeProvider);
            try
            {
                using var timeout = new CancellationTokenSource(_options.StoreTimeout, timeProvider);

                // One request that touches the Table service and nothing else: list at most one table.
                await foreach (var _ in tableService.QueryAsync(filter: "TableName eq 'probe'", maxPerPage: 1, cancellationToken: timeout.Token).AsPages())
                {
                    break;
                }
            }
            catch (Exception e) when (e is RequestFailedException or OperationCanceledException or AggregateException or HttpRequestException)
            {
                continue;
            }

            Volatile.Write(ref _open, 0);
            StorageLog.CircuitClosed(logger);
            return;
        }
    }
}
