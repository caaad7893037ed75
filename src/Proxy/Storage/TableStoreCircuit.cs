using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy.Auth;
using Proxy.Hosting;
using Proxy.Quota;

namespace Proxy.Storage;

/// <summary>
/// A circuit breaker for Table storage. A failure that shows the store is gone opens it; while it is open, requests skip
/// the store and go straight to the failure mode, so a dead store costs them nothing. A background probe, never a
/// client's request, checks every <see cref="QuotaOptions.ProbeInterval"/> and closes it when the store answers.
/// (Polly's breaker lets a client request be the half-open probe, which would make that request wait out
/// the store timeout.) A store that is only slow, because of the proxy's own load, is not gone: a call that timed out
/// opens the circuit only when no store call has answered since it was sent and a probe does not answer either
/// (<see cref="IsOutage"/>), so that client traffic cannot open it. The store is also probed once at start
/// (<see cref="TableStoreStartupProbe"/>): a store that has not answered once since then is most likely a
/// misconfiguration, not an outage, and is logged as an error with its endpoint and the cause, once a minute for as
/// long as it lasts.
/// </summary>
public sealed class TableStoreCircuit
{
    /// <summary>How often the error for a store that has never answered is repeated: often enough to be seen, rarely enough not to flood.</summary>
    internal static readonly TimeSpan NeverAnsweredLogInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How many store timeouts a probe sent after a request's call timed out is given before the store is taken for gone:
    /// a slow store still answers a single small call within that, and a hung one never does.
    /// </summary>
    internal const int OutageProbeTimeouts = 5;

    private readonly Func<CancellationToken, Task> _query;
    private readonly QuotaOptions _options;
    private readonly IOptions<AuthOptions> _auth;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<TableStoreCircuit> _logger;
    private readonly Lock _neverAnsweredGate = new();
    private readonly Lock _outageProbeGate = new();
    private int _open;
    private int _answered;
    private string? _cause;
    private long _lastNeverAnsweredLog;
    private bool _neverAnsweredLogged;
    private long _lastAnswer;
    private Task? _outageProbe;

    public TableStoreCircuit(
        TableServiceClient tableService, IOptions<QuotaOptions> options, IOptions<AuthOptions> auth, TimeProvider timeProvider,
        ILogger<TableStoreCircuit> logger)
        : this(cancellationToken => StorageProbe.ListOneTableAsync(tableService, cancellationToken), SafeEndpoint.Describe(tableService.Uri), options, auth, timeProvider, logger)
    {
    }

    /// <summary>A circuit whose probe is <paramref name="query"/>, for a store other than the account's Table service (a simulated one).</summary>
    internal TableStoreCircuit(
        Func<CancellationToken, Task> query, string endpoint, IOptions<QuotaOptions> options, IOptions<AuthOptions> auth, TimeProvider timeProvider,
        ILogger<TableStoreCircuit> logger)
    {
        _query = query;
        Endpoint = endpoint;
        _options = options.Value;
        _auth = auth;
        _timeProvider = timeProvider;
        _logger = logger;
        _lastAnswer = timeProvider.GetTimestamp();
    }

    public bool IsOpen => Volatile.Read(ref _open) == 1;

    /// <summary>Whether the store has answered a probe once since the process started.</summary>
    public bool HasAnswered => Volatile.Read(ref _answered) == 1;

    /// <summary>Why the last failed probe failed (<see cref="StorageFailureCause"/>); null before any failed.</summary>
    public string? LastCause => Volatile.Read(ref _cause);

    /// <summary>Where the store is, for a log line (<see cref="SafeEndpoint"/>): scheme, host, port and path, never a key, user-info or a query.</summary>
    public string Endpoint { get; }

    /// <summary>A store call made on a request's behalf got an answer: the store is there.</summary>
    public void RecordAnswer() => Volatile.Write(ref _lastAnswer, _timeProvider.GetTimestamp());

    /// <summary>
    /// Whether a store call made on a request's behalf, sent at <paramref name="sentAt"/> (a <see cref="TimeProvider"/>
    /// timestamp), failed because the store is gone, so that its requests go to the failure mode; otherwise they are shed.
    /// A refused or reset connection, an unknown host or an account that refuses the credentials is an outage, and opens
    /// the circuit. The store answering with another error is not. Nor is a call that timed out: the store may only be
    /// slow, under this process's own load. When no call has answered since it was sent, a probe is sent (one at a time,
    /// outside the quota's gate) and given <see cref="OutageProbeTimeouts"/> store timeouts; only if it does not answer
    /// does the circuit open.
    /// </summary>
    public bool IsOutage(Exception failure, long sentAt)
    {
        if (IsOpen)
        {
            return true;
        }

        var cause = StorageFailureCause.Of(failure);
        if (cause == StorageFailureCause.TimedOut)
        {
            if (Volatile.Read(ref _lastAnswer) <= sentAt)
            {
                lock (_outageProbeGate)
                {
                    if (_outageProbe is null or { IsCompleted: true })
                    {
                        _outageProbe = ConfirmOutageAsync();
                    }
                }
            }

            return false;
        }

        if (StorageFailureCause.IsRefusal(failure) && !cause.StartsWith("authentication", StringComparison.Ordinal))
        {
            return false;
        }

        Volatile.Write(ref _cause, cause);
        RecordFailure();
        return true;
    }

    public void RecordFailure()
    {
        if (Interlocked.CompareExchange(ref _open, 1, 0) == 0)
        {
            // A store that never answered gets the error line from the probe, which knows the cause.
            if (HasAnswered)
            {
                StorageLog.CircuitOpened(_logger);
            }

            _ = ProbeUntilBackAsync(delayFirst: true);
        }
    }

    /// <summary>
    /// Asks the store once, bounded by <paramref name="timeout"/>: null when it answered, else the cause, which a store that
    /// has never answered logs. It does not open the circuit: only a request's failed store call does, since a probe that
    /// times out cost no request anything, and a store that is merely slow to a probe must still count the next request.
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
        if (!HasAnswered)
        {
            LogNeverAnswered(cause);
        }

        return cause;
    }

    private async Task ProbeUntilBackAsync(bool delayFirst)
    {
        while (true)
        {
            if (delayFirst)
            {
                await Task.Delay(_options.ProbeInterval, _timeProvider);
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
            RecordAnswer();
            Volatile.Write(ref _open, 0);
            StorageLog.CircuitClosed(_logger);
            return;
        }
    }

    private async Task ConfirmOutageAsync()
    {
        if (await TryQueryAsync(_options.StoreTimeout * OutageProbeTimeouts) is not { } cause)
        {
            RecordAnswer();
            return;
        }

        Volatile.Write(ref _cause, cause);
        RecordFailure();
    }

    /// <summary>One request that touches the Table service and nothing else. Null when it answered, else the cause.</summary>
    private Task<string?> TryQueryAsync(TimeSpan timeout) => StorageProbe.AnswerAsync(_query, timeout, _timeProvider);

    /// <summary>At the first failed probe, then at most once per <see cref="NeverAnsweredLogInterval"/>, whichever probe finds it.</summary>
    private void LogNeverAnswered(string cause)
    {
        lock (_neverAnsweredGate)
        {
            var now = _timeProvider.GetTimestamp();
            if (_neverAnsweredLogged && _timeProvider.GetElapsedTime(_lastNeverAnsweredLog, now) < NeverAnsweredLogInterval)
            {
                return;
            }

            (_neverAnsweredLogged, _lastNeverAnsweredLog) = (true, now);
        }

        var effect = _auth.Value.Mode == AuthMode.Managed
            ? "no key can be read and every request is refused with 503 (managed mode)"
            : _options.FailureMode == QuotaFailureMode.Open
                ? "requests are admitted uncounted (Proxy__Quota__FailureMode=Open)"
                : "requests are refused with 503 (Proxy__Quota__FailureMode=Closed)";
        StorageLog.NeverAnswered(_logger, Endpoint, cause, effect);
    }
}
