using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy.Auth;
using Proxy.Quota;

namespace Proxy.Storage;

/// <summary>
/// A circuit breaker for Table storage. The first failure opens it; while it is open, requests skip the store
/// and go straight to the failure mode, so a dead store costs them nothing. A background probe, never a
/// client's request, checks every <see cref="QuotaOptions.ProbeInterval"/> and closes it when the store answers.
/// (Polly's breaker lets a client request be the half-open probe, which would make that request wait out
/// the store timeout.) The store is also probed once at start (<see cref="TableStoreStartupProbe"/>): a store that has
/// not answered once since then is most likely a misconfiguration, not an outage, and is logged as an error with its
/// endpoint and the cause, once a minute for as long as it lasts (issue 14).
/// </summary>
public sealed class TableStoreCircuit(
    TableServiceClient tableService, IOptions<QuotaOptions> options, IOptions<AuthOptions> auth, TimeProvider timeProvider,
    ILogger<TableStoreCircuit> logger)
{
    /// <summary>How often the error for a store that has never answered is repeated: often enough to be seen, rarely enough not to flood.</summary>
    internal static readonly TimeSpan NeverAnsweredLogInterval = TimeSpan.FromMinutes(1);

    private readonly QuotaOptions _options = options.Value;
    private int _open;
    private int _answered;
    private string? _cause;
    private long _lastNeverAnsweredLog;
    private bool _neverAnsweredLogged;

    public bool IsOpen => Volatile.Read(ref _open) == 1;

    /// <summary>Whether the store has answered a probe once since the process started.</summary>
    public bool HasAnswered => Volatile.Read(ref _answered) == 1;

    /// <summary>Why the last failed probe failed (<see cref="StorageFailureCause"/>); null before any failed.</summary>
    public string? LastCause => Volatile.Read(ref _cause);

    /// <summary>Where the store is, for a log line: scheme, host, port and (Azurite) account, never a key or a query string.</summary>
    public string Endpoint { get; } = tableService.Uri.GetLeftPart(UriPartial.Path);

    public void RecordFailure()
    {
        if (Interlocked.CompareExchange(ref _open, 1, 0) == 0)
        {
            // A store that never answered gets the error line from the probe, which knows the cause.
            if (HasAnswered)
            {
                StorageLog.CircuitOpened(logger);
            }

            _ = ProbeUntilBackAsync(delayFirst: true);
        }
    }

    /// <summary>
    /// Asks the store once, bounded by <paramref name="timeout"/>: null when it answered, else the cause. A failure
    /// opens the circuit, as a failed request's would, so that requests stop waiting for a store known to be down.
    /// </summary>
    public async Task<string?> ProbeAsync(TimeSpan timeout)
    {
        var cause = await TryQueryAsync(timeout);
        if (cause is null)
        {
            Volatile.Write(ref _answered, 1);
            return null;
        }

        Volatile.Write(ref _cause, cause);
        if (Interlocked.CompareExchange(ref _open, 1, 0) == 0)
        {
            if (HasAnswered)
            {
                StorageLog.CircuitOpened(logger);
            }
            else
            {
                LogNeverAnswered(cause);
            }

            _ = ProbeUntilBackAsync(delayFirst: true);
        }

        return cause;
    }

    private async Task ProbeUntilBackAsync(bool delayFirst)
    {
        while (true)
        {
            if (delayFirst)
            {
                await Task.Delay(_options.ProbeInterval, timeProvider);
            }

            delayFirst = true;
            var cause = await TryQueryAsync(_options.StoreTimeout);
            if (cause is not null)
            {
                Volatile.Write(ref _cause, cause);
                if (!HasAnswered)
                {
                    LogNeverAnswered(cause);
                }

                continue;
            }

            Volatile.Write(ref _answered, 1);
            Volatile.Write(ref _open, 0);
            StorageLog.CircuitClosed(logger);
            return;
        }
    }

    /// <summary>One request that touches the Table service and nothing else: list at most one table. Null when it answered, else the cause.</summary>
    private Task<string?> TryQueryAsync(TimeSpan timeout) => StorageProbe.AnswerAsync(async cancellationToken =>
    {
        await foreach (var _ in tableService.QueryAsync(filter: "TableName eq 'probe'", maxPerPage: 1, cancellationToken: cancellationToken).AsPages())
        {
            break;
        }
    }, timeout, timeProvider);

    /// <summary>At the first failed probe, then at most once per <see cref="NeverAnsweredLogInterval"/> (only the probe loop and the start-up probe call this, one at a time).</summary>
    private void LogNeverAnswered(string cause)
    {
        var now = timeProvider.GetTimestamp();
        if (_neverAnsweredLogged && timeProvider.GetElapsedTime(_lastNeverAnsweredLog, now) < NeverAnsweredLogInterval)
        {
            return;
        }

        (_neverAnsweredLogged, _lastNeverAnsweredLog) = (true, now);
        var effect = auth.Value.Mode == AuthMode.Managed
            ? "no key can be read and every request is refused with 503 (managed mode)"
            : _options.FailureMode == QuotaFailureMode.Open
                ? "requests are admitted uncounted (Proxy__Quota__FailureMode=Open)"
                : "requests are refused with 503 (Proxy__Quota__FailureMode=Closed)";
        StorageLog.NeverAnswered(logger, Endpoint, cause, effect);
    }
}
