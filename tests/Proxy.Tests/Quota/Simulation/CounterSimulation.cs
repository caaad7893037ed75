using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Proxy.Auth;
using Proxy.Errors;
using Proxy.Quota;
using Proxy.Storage;

namespace Proxy.Tests.Quota.Simulation;

/// <summary>
/// One run of the counter protocol, chosen by a seed: a few processes, each the production <see cref="QuotaLimiter"/>,
/// counting a few keys against a <see cref="SimulatedTable"/> while clients send requests, requests fail and give their
/// units back, keys with a token limit reserve tokens and settle them with their answers' usage (read, unread, or more than
/// reserved in some runs), and the store loses answers, times out, lands requests late, refuses or hangs; limits are lowered and
/// raised, processes are killed and started again, the hour turns, and bursts of made-up keys come. Every interleaving
/// and fault is the seed's, so a failing seed runs the same way again. <see cref="Run"/> returns what was violated.
/// </summary>
internal sealed class CounterSimulation
{
    private static readonly TimeSpan s_storeTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_recheck = TimeSpan.FromSeconds(5);

    private readonly int _seed;
    private readonly Random _random;
    private readonly SimulatedTime _time;
    private readonly SimulationScheduler _scheduler;
    private readonly SimulatedTable _table;
    private readonly SimulatedFaults _faults;
    private readonly SimulatedOutage _outage = new();
    private readonly QuotaOptions _options;
    private readonly List<Process> _processes = [];
    private readonly string[] _keys;
    private readonly long[] _limits;
    private readonly long[] _highestLimits;
    private readonly long?[] _tokenLimits;
    private readonly long[] _highestTokenLimits;

    // Whether answers use at most what their requests reserved, as they do when every request has a completion cap: then no
    // key's counted tokens may pass its limit.
    private readonly bool _usageWithinReservation;
    private readonly List<string> _violations = [];
    private readonly Dictionary<(string Key, QuotaWindow Window), Tally> _tallies = [];
    private readonly bool _outages;
    private readonly Action<string>? _trace;
    private int _clientsRunning;

    public CounterSimulation(int seed, Action<string>? trace = null)
    {
        _trace = trace;
        _seed = seed;
        _random = new Random(seed);

        // Some runs start a little before the top of the hour, so that the hour turns while requests are counted.
        var start = new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero) + (_random.Next(3) == 0 ? TimeSpan.FromMinutes(59.9) : TimeSpan.FromMinutes(_random.Next(50)));
        _time = new SimulatedTime(start);
        _scheduler = new SimulationScheduler(_random, _time);
        _table = new SimulatedTable(_time);
        _faults = SimulatedFaults.Pick(_random);
        _outages = _random.Next(4) == 0;
        _options = new QuotaOptions
        {
            StoreTimeout = s_storeTimeout,
            ProbeInterval = TimeSpan.FromSeconds(1),
            ExhaustedRecheckInterval = s_recheck,
            MaxConcurrentStoreWrites = 1 + _random.Next(32),
            StoreQueueLimit = _random.Next(64),
            MaxKeysInMemory = 100,
        };
        _options.MaxConcurrentNewKeys = 1 + _random.Next(_options.MaxConcurrentStoreWrites);
        _keys = [.. Enumerable.Range(0, 1 + _random.Next(4)).Select(index => ApiKeyHash.Of($"sk-simulated-{seed}-{index}"))];
        _limits = [.. _keys.Select(_ => LimitOfAKey())];
        _highestLimits = [.. _limits];
        _tokenLimits = [.. _keys.Select(_ => TokenLimitOfAKey())];
        _highestTokenLimits = [.. _tokenLimits.Select(limit => limit ?? 0)];
        _usageWithinReservation = _random.Next(4) != 0;
        for (var i = 1 + _random.Next(3); i > 0; i--)
        {
            _processes.Add(NewProcess());
        }
    }

    /// <summary>Requests the clients sent, and the store calls the processes made (probes included).</summary>
    public (long Requests, long Calls) Load { get; private set; }

    /// <summary>Runs the simulation to quiescence: the violated invariants, each naming the seed; empty when it held.</summary>
    public IReadOnlyList<string> Run()
    {
        _scheduler.Run(Start, until: TimeSpan.FromMinutes(30), afterStep: () => { });
        if (_clientsRunning > 0)
        {
            Violation($"{_clientsRunning} clients never got an answer: a request waits forever.");
        }

        CheckAtQuiescence();
        Load = (_tallies.Values.Sum(tally => tally.Admitted + tally.Uncounted + tally.Shed + tally.Refusals.Count + tally.TokenRefusals), _processes.Sum(process => process.Store.Calls));
        return _violations;
    }

    /// <summary>What the run was, for a failing seed's message.</summary>
    public string Describe() =>
        $"seed {_seed}: {_processes.Count} processes (restarts included), {_keys.Length} keys with limits {string.Join(", ", _highestLimits)}, " +
        $"token limits {string.Join(", ", _tokenLimits.Select(limit => limit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"))}" +
        $"{(_usageWithinReservation ? string.Empty : " (usage past reservations)")}, " +
        $"faults {_faults}, outages {_outages}, {_scheduler.Steps} steps, {_table.AppliedWrites} writes applied, simulated {_time.Elapsed}";

    private Process NewProcess()
    {
        var clock = new ProcessClock(_time);
        var id = _processes.Count;
        var store = new SimulatedCounterStore(_table, _time, clock, _scheduler, _random, _faults, _outage)
        {
            Trace = _trace is null ? null : line => _trace($"{_time.Elapsed} p{id} {line}"),
        };
        var circuit = new TableStoreCircuit(store.ProbeAsync, "simulated", Options.Create(_options), Options.Create(new AuthOptions()), clock,
            NullLogger<TableStoreCircuit>.Instance);
        var limiter = new QuotaLimiter(new QuotaCounterStore(store, _options, clock), circuit, Options.Create(_options), clock);
        return new Process(id, limiter, store, clock, circuit);
    }

    private void Start()
    {
        var clients = 1 + _random.Next(_random.Next(2) == 0 ? 8 : 40);
        for (var i = 0; i < clients; i++)
        {
            _ = ClientAsync(requests: 10 + _random.Next(60));
        }

        _ = EventsAsync();
    }

    /// <summary>One client: requests to random processes and keys, each admitted one failing or succeeding a while later.</summary>
    private async Task ClientAsync(int requests)
    {
        _clientsRunning++;
        for (var i = 0; i < requests; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(_random.Next(0, 400)), _time);
            var process = _processes[_random.Next(_processes.Count)];
            if (process.IsKilled)
            {
                continue;
            }

            var key = _random.Next(_keys.Length);
            await RequestAsync(process, key);
        }

        _clientsRunning--;
    }

    private async Task RequestAsync(Process process, int key)
    {
        var keyId = _keys[key];
        var limit = _limits[key];
        var window = QuotaWindow.Containing(_time.GetUtcNow());
        var tally = TallyOf(keyId, window);
        var tokenLimit = _tokenLimits[key];
        var reservation = tokenLimit is null ? 0 : _random.Next(0, 400);
        var acquiring = process.Limiter.AcquireAsync(keyId, (int)limit, tokenLimit, reservation).AsTask();
        if (await Task.WhenAny(acquiring, process.Died.Task) != acquiring)
        {
            // The process died with the request: its client never learns whether it was counted.
            tally.Processes.Add(process.Id);
            return;
        }

        var lease = await acquiring;
        tally.Processes.Add(process.Id);
        _trace?.Invoke($"{_time.Elapsed} p{process.Id} {Short(keyId)} limit {limit}, tokens {tokenLimit} reserving {reservation}: {lease.Decision} remaining {lease.Remaining}, tokens {lease.TokensRemaining}");
        switch (lease.Decision)
        {
            case QuotaDecision.Admitted:
                tally.Admitted++;
                if (lease.Remaining < 0)
                {
                    Violation($"{Short(keyId)} admitted past the limit in force: limit {limit}, remaining {lease.Remaining}, at {_time.Elapsed}.");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(_random.Next(1, 3_000)), _time);
                if (process.IsKilled)
                {
                    // Whatever the outcome, a dead process gives nothing back.
                    return;
                }

                // A failed request got no answer; a sound one's usage was read, or not (charged its reservation).
                var failed = _random.Next(3) == 0;
                long? used = failed || _random.Next(4) == 0 ? null : _random.Next(0, (_usageWithinReservation ? reservation : 2 * reservation) + 1);
                lease.Settle(failed ? new ProxyError(FailureKind.UpstreamError, 503, "failed", "type", null) : null, used, answered: !failed);
                var charged = tokenLimit is null ? 0 : used ?? (failed ? 0 : reservation);
                _trace?.Invoke($"{_time.Elapsed} p{process.Id} {Short(keyId)} settled: {(failed ? "given back" : "kept")}, {charged} tokens charged");
                tally.Refunded += failed ? 1 : 0;
                tally.TokensCharged += charged;
                break;
            case QuotaDecision.StoreUnavailable:
                process.Uncounted[(keyId, window)] = process.Uncounted.GetValueOrDefault((keyId, window)) + 1;
                tally.Uncounted++;
                break;
            case QuotaDecision.Exhausted:
                // Decided without the store (the circuit open) a refusal may rest on a count learnt any time before.
                tally.Refusals.Add((_time.Elapsed, limit, process.Id, process.Circuit.IsOpen));
                break;
            case QuotaDecision.TokensExhausted:
                tally.TokenRefusals++;
                break;
            default:
                tally.Shed++;
                break;
        }
    }

    /// <summary>What happens to the deployment meanwhile: outages, limit changes, kills and restarts, bursts of made-up keys.</summary>
    private async Task EventsAsync()
    {
        for (var i = _random.Next(6); i > 0; i--)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(_random.Next(100, 8_000)), _time);
            switch (_random.Next(5))
            {
                case 0 when _outages:
                    (_outage.IsDown, _outage.IsHung) = _random.Next(2) == 0 ? (true, false) : (false, true);
                    _trace?.Invoke($"{_time.Elapsed} store {(_outage.IsDown ? "down" : "hung")}");
                    await Task.Delay(TimeSpan.FromMilliseconds(_random.Next(500, 10_000)), _time);
                    (_outage.IsDown, _outage.IsHung) = (false, false);
                    _trace?.Invoke($"{_time.Elapsed} store back");
                    break;
                case 1:
                    var key = _random.Next(_keys.Length);
                    _limits[key] = LimitOfAKey();
                    _trace?.Invoke($"{_time.Elapsed} {Short(_keys[key])} limit now {_limits[key]}");
                    _highestLimits[key] = Math.Max(_highestLimits[key], _limits[key]);
                    if (_tokenLimits[key] is not null)
                    {
                        _tokenLimits[key] = TokenLimitOfAKey() ?? _tokenLimits[key];
                        _highestTokenLimits[key] = Math.Max(_highestTokenLimits[key], _tokenLimits[key]!.Value);
                    }

                    break;
                case 2:
                    var killed = _processes[_random.Next(_processes.Count)];
                    if (!killed.IsKilled)
                    {
                        killed.Kill();
                        _trace?.Invoke($"{_time.Elapsed} p{killed.Id} killed");
                        _processes.Add(NewProcess());
                    }

                    break;
                case 3:
                    await BurstOfNewKeysAsync(50 + _random.Next(250));
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Made-up keys, each asked once, all at once, through one process: they must not let a counted key past its limit.</summary>
    private async Task BurstOfNewKeysAsync(int count)
    {
        var process = _processes.First(candidate => !candidate.IsKilled);
        var burst = Enumerable.Range(0, count).Select(async index =>
        {
            var lease = await process.Limiter.AcquireAsync(ApiKeyHash.Of($"sk-made-up-{_seed}-{_time.Elapsed.Ticks}-{index}"), 1);
            lease.Settle(null);
        });
        await Task.WhenAll(burst);
    }

    private void CheckAtQuiescence()
    {
        foreach (var ((keyId, window), tally) in _tallies)
        {
            var address = CounterRowAddress.Of(_options.TablePrefix, window, keyId);
            var row = _table.CountsOf(address) ?? default;
            var stored = row.Requests;
            var counted = tally.Admitted - tally.Refunded;
            var touchedByKilled = tally.Processes.Any(id => _processes[id].IsKilled);
            var limit = _highestLimits[Array.IndexOf(_keys, keyId)];
            if (stored < counted)
            {
                Violation($"{Short(keyId)} {window.Id}: stored {stored} below the {counted} counted outcomes ({tally.Admitted} admitted, {tally.Refunded} given back): a refund given twice, or an admission lost.");
            }
            else if (stored != counted && !touchedByKilled)
            {
                Violation($"{Short(keyId)} {window.Id}: stored {stored}, counted outcomes {counted} ({tally.Admitted} admitted, {tally.Refunded} given back): a refund lost, or a unit counted for a request never admitted.");
            }

            CheckTokens(keyId, window, tally, row, touchedByKilled);
            if (counted > limit)
            {
                Violation($"{Short(keyId)} {window.Id}: {counted} counted outcomes against a limit of at most {limit}.");
            }

            foreach (var process in _processes)
            {
                if (process.Uncounted.GetValueOrDefault((keyId, window)) > limit)
                {
                    Violation($"{Short(keyId)} {window.Id}: process {process.Id} admitted {process.Uncounted[(keyId, window)]} uncounted against a limit of at most {limit}.");
                }
            }

            var history = _table.History.GetValueOrDefault(address) ?? [];
            foreach (var (at, refusedAt, processId, withoutStore) in tally.Refusals)
            {
                var since = withoutStore ? TimeSpan.Zero : at - s_recheck;
                var highest = history.Where(entry => entry.At <= at && entry.At >= since).Select(entry => entry.Counts.Requests)
                    .Append(history.LastOrDefault(entry => entry.At < since).Counts.Requests).Max();
                var uncounted = _processes[processId].Uncounted.GetValueOrDefault((keyId, window));
                if (highest + uncounted < refusedAt)
                {
                    Violation($"{Short(keyId)} {window.Id}: refused at {at} with limit {refusedAt}, when the row held at most {highest} in the recheck interval before (and {uncounted} uncounted).");
                }
            }

            if (tally.Uncounted > 0 && _faults.Refused == 0 && _faults.Hang == 0 && !_outages)
            {
                Violation($"{Short(keyId)} {window.Id}: {tally.Uncounted} requests admitted uncounted with the store never gone: a slow store opened the circuit.");
            }
        }
    }

    /// <summary>
    /// A key's tokens at quiescence: what the row charged is what the answers' usage charged, nothing is left reserved, and
    /// when no answer used more than its request reserved, what is charged is within the highest token limit the key had.
    /// A process killed with requests in flight leaves their reservations, and may have written settles its clients never
    /// saw: only the bound is checked then.
    /// </summary>
    private void CheckTokens(string keyId, QuotaWindow window, Tally tally, CounterUnits row, bool touchedByKilled)
    {
        var tokenLimit = _highestTokenLimits[Array.IndexOf(_keys, keyId)];
        if (row.Tokens < 0 || row.Reserved < 0)
        {
            Violation($"{Short(keyId)} {window.Id}: the row holds {row.Tokens} tokens charged and {row.Reserved} reserved: a settle written twice, or a reservation never written.");
        }
        else if (!touchedByKilled && (row.Tokens != tally.TokensCharged || row.Reserved != 0))
        {
            Violation($"{Short(keyId)} {window.Id}: the row holds {row.Tokens} tokens charged and {row.Reserved} reserved, the answers charged {tally.TokensCharged}: a settle lost or written twice, or a reservation never settled.");
        }

        if (_usageWithinReservation && _tokenLimits[Array.IndexOf(_keys, keyId)] is not null && Math.Min(row.Tokens, tally.TokensCharged) > tokenLimit)
        {
            Violation($"{Short(keyId)} {window.Id}: {Math.Min(row.Tokens, tally.TokensCharged)} tokens charged against a token limit of at most {tokenLimit}, every answer within its reservation.");
        }
    }

    /// <summary>Half the keys have none; the others a few answers' worth, or many.</summary>
    private long? TokenLimitOfAKey() => _random.Next(2) == 0 ? null : _random.Next(4) == 0 ? 50_000 + _random.Next(50_000) : _random.Next(0, 3_000);

    /// <summary>Mostly a free tier's few requests; now and then a limit large enough for a busy key to be counted ahead of demand.</summary>
    private long LimitOfAKey() => _random.Next(4) == 0 ? KeyCounter.ReserveFloor + _random.Next(2_000) : _random.Next(0, 25);

    private Tally TallyOf(string keyId, QuotaWindow window)
    {
        if (!_tallies.TryGetValue((keyId, window), out var tally))
        {
            tally = new Tally();
            _tallies[(keyId, window)] = tally;
        }

        return tally;
    }

    private void Violation(string what) => _violations.Add(what);

    private static string Short(string keyId) => keyId[..8];

    private sealed record Process(int Id, QuotaLimiter Limiter, SimulatedCounterStore Store, ProcessClock Clock, TableStoreCircuit Circuit)
    {
        public Dictionary<(string Key, QuotaWindow Window), long> Uncounted { get; } = [];

        public TaskCompletionSource Died { get; } = new();

        public bool IsKilled => Died.Task.IsCompleted;

        /// <summary>Stops the process where it is: nothing more is sent, no timer of its fires, no request of its is answered.</summary>
        public void Kill()
        {
            Store.Killed = true;
            Clock.Kill();
            Died.TrySetResult();
        }
    }

    private sealed class Tally
    {
        public long Admitted { get; set; }

        public long Refunded { get; set; }

        public long TokensCharged { get; set; }

        public long TokenRefusals { get; set; }

        public long Uncounted { get; set; }

        public long Shed { get; set; }

        public HashSet<int> Processes { get; } = [];

        public List<(TimeSpan At, long Limit, int Process, bool WithoutStore)> Refusals { get; } = [];
    }
}
