using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Proxy.Auth;
using Proxy.Errors;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Soak;

/// <summary>
/// Two proxy processes over one storage account under a mixed load from many keys, while the Table service stops
/// twice, the Queue service goes away, the upstream flaps and one process is killed. At the end: no key got more than
/// its limit beyond what fail-open admitted (and reported), every key's stored count is proved exact from the answers and
/// the records (but for the keys the killed process served), every failure a client saw is archived exactly once (but
/// for what the killed process still held), no secret reaches a body, a record or a log line, and every request got
/// an answer. Bounded: under a minute of load and at most <see cref="MaxRequests"/> requests, loopback only.
/// </summary>
[Collection(OnStandaloneHost.Name)]
[Trait(Layer.Name, Layer.Slow)]
public sealed partial class SoakTests(StandaloneHostFixture fixture, ITestOutputHelper output)
{
    private const int Limit = 20;
    private const int BufferCapacity = 1000;
    private const int Workers = 6;
    private const int MaxRequests = 4000;
    private const int HotKeys = 3;
    private const int RequestsPerRollingKey = 30;
    private const int KeyCount = HotKeys + (MaxRequests / RequestsPerRollingKey) + 3;
    private const int IdleFloodConnections = 3000;
    private const int BurstRequests = 1500;

    // A model whose name would forge a log line if written as it came (a JSON \n is a line feed once parsed).
    private const string ForgedLine = "fail: forged line";
    private const string ForgingBody = "{\"model\":\"gpt-4o\\n" + ForgedLine + "\"}";
    private const int MaxIdleConnections = 1000;
    private const string Killed = "A";
    private const string Restarted = "A2";
    private const string Survivor = "B";

    private static readonly TimeSpan s_loadDuration = TimeSpan.FromSeconds(52);
    private static readonly TimeSpan s_answerBound = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan s_catchUpBound = TimeSpan.FromSeconds(90);
    // A path of 8,100 apostrophes: escaped as \u0027 each, its record once outgrew the queue's 64 KiB and stopped the sender.
    private static readonly string s_apostrophePath = "/x" + new string('\'', 8100);

    private static readonly string[] s_errorShapes = ["aimlapi", "aimlapi-v2", "openai", "text", "empty"];

    // No 429 or 502 among them: the quota's 429 and the proxy's own 502 (while the upstream is down) would look the same.
    private static readonly int[] s_errorStatuses = [400, 401, 403, 404, 409, 422, 500, 503];

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly Stopwatch _clock = new();
    private readonly ConcurrentQueue<Outcome> _outcomes = new();
    private readonly ConcurrentDictionary<long, int> _keyOfRequest = new();
    private readonly ConcurrentQueue<Fault> _faults = new();
    private readonly List<string> _keys = [];
    private readonly ConcurrentQueue<string> _hostileKeys = new();
    private readonly object _liveGate = new();
    private readonly List<ProxySlot> _live = [];
    private long _sequence;
    private TimeSpan? _killedAt;
    private TimeSpan? _queueDownAt;
    private (IdleConnectionFlood.FloodReport Opened, IdleConnectionFlood.FloodReport Held)? _idleFlood;
    private Burst _burst = new(0, 0, 0, 0, 0);

    private enum Kind
    {
        Echo,
        Chat,
        Stream,
        UpstreamError,
        SseError,
        Stall,
        Abort,
        Hostile,
    }

    [Fact]
    public async Task TwoProxiesUnderMixedLoadAndFaults_AdmitNoExtraQuota_LoseNoRecord_LeakNoSecret_AndAlwaysAnswer()
    {
        var wall = Stopwatch.StartNew();
        var queueName = "soak-" + _run;
        var tableName = "soakfailures" + _run;
        for (var i = 0; i < KeyCount; i++)
        {
            _keys.Add($"sk-soak-{_run}-{i}-{Guid.NewGuid():N}");
        }

        // Streamed completions wait for the test that holds them; nothing holds them here.
        fixture.Upstream.ReleaseStream();
        var upstreamBefore = fixture.Upstream.Requests.Count;

        await using var table = await PersistentAzuriteService.StartTableAsync();
        await using var queue = await PersistentAzuriteService.StartQueueAsync();
        await using var relay = new SwitchableTcpRelay(fixture.Upstream.BaseAddress);
        var storage = AzuriteProcess.ConnectionStringFor(table.Port, queue.Port);
        var slots = new List<ProxySlot>();
        try
        {
            var started = await Task.WhenAll(
                fixture.StartProxyAsync(relay.BaseAddress, Settings(storage, queueName, tableName, archive: true)),
                fixture.StartProxyAsync(relay.BaseAddress, Settings(storage, queueName, tableName, archive: false)));
            slots.Add(new ProxySlot(Killed, started[0]));
            slots.Add(new ProxySlot(Survivor, started[1]));
            _live.AddRange(slots);

            _clock.Start();
            var load = Enumerable.Range(0, Workers).Select(worker => WorkerAsync(new Random(worker + 1)))
                .Append(AbortWorkerAsync(new Random(101)))
                .Append(HostileWorkerAsync(new Random(202)))
                .Append(IdleConnectionAttackAsync(slots.Single(slot => slot.Name == Survivor)))
                .Append(MadeUpKeyBurstAsync(slots.Single(slot => slot.Name == Survivor)));
            var chaos = ChaosAsync(table, queue, relay, async () =>
            {
                var restarted = new ProxySlot(Restarted, await fixture.StartProxyAsync(relay.BaseAddress, Settings(storage, queueName, tableName, archive: true)));
                slots.Add(restarted);
                return restarted;
            });
            await Task.WhenAll(load.Append(chaos));
            var loadTime = _clock.Elapsed;

            var (rows, catchUp) = await WaitForArchiveAsync(storage, queueName, tableName);
            var poison = await QueueLengthAsync(storage, queueName + "-poison");
            var stillQueued = await QueueLengthAsync(storage, queueName);
            var stored = await StoredCountsAsync(storage);
            var alive = await LiveProxiesAsync(slots);

            var failures = new List<string>();
            var outcomes = _outcomes.ToList();
            Report($"Soak {_run}: {outcomes.Count} requests in {loadTime.TotalSeconds:F1} s from {Workers + 2} clients over proxies A (archiver, killed), " +
                $"A2 (its restart) and B, {_keyOfRequest.Values.Distinct().Count()} keys at {Limit} requests/hour, one Azurite (Table + Queue on disk)");
            Report("Faults: " + string.Join("; ", _faults.Select(fault => fault.ToString())));
            Report("Statuses: " + string.Join(", ", outcomes.GroupBy(outcome => outcome.Status?.ToString(CultureInfo.InvariantCulture) ?? "none")
                .OrderBy(group => group.Key, StringComparer.Ordinal).Select(group => $"{group.Key} x{group.Count()}")) +
                "; by kind: " + string.Join(", ", outcomes.GroupBy(outcome => outcome.Kind).Select(group => $"{group.Key} x{group.Count()}")));

            CheckQuota(outcomes, rows, stored, slots, upstreamBefore, failures);
            CheckExactCounts(outcomes, rows, stored, failures);
            CheckNothingLost(outcomes, rows, slots, catchUp, poison, stillQueued, failures);
            CheckNothingLeaks(outcomes, rows, slots, upstreamBefore, failures);
            CheckAlwaysAnswered(outcomes, slots, alive, failures);
            Report($"Wall time {wall.Elapsed.TotalSeconds:F1} s");

            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
        finally
        {
            foreach (var slot in slots)
            {
                if (!slot.Killed)
                {
                    await slot.Process.DisposeAsync();
                }

                slot.Dispose();
            }
        }
    }

    private static (string Name, string Value)[] Settings(string storage, string queueName, string tableName, bool archive) =>
    [
        ("AzureWebJobsStorage", storage),

        // Injected upstream key: the client keys must then never reach the upstream, and this one never a client.
        ("Proxy__Upstream__ApiKey", ProxyFixture.UpstreamKey),
        ("Proxy__Upstream__Timeout", "00:00:02"),
        ("Proxy__Quota__FreeRequestsPerHour", Limit.ToString(CultureInfo.InvariantCulture)),
        ("Proxy__Quota__StoreTimeout", "00:00:01"),
        ("Proxy__Quota__ProbeInterval", "00:00:00.250"),
        ("Proxy__Failures__QueueName", queueName),
        ("Proxy__Failures__TableName", tableName),
        ("Proxy__Failures__ArchiveInProcess", archive ? "true" : "false"),
        ("Proxy__Failures__BufferCapacity", BufferCapacity.ToString(CultureInfo.InvariantCulture)),

        // Every keyed failure a record of its own, so that each request the soak saw fail is found by its id (repeated
        // keyed failures counted instead of recorded are pinned by KeyedFailureFloodTests).
        ("Proxy__Failures__KeyedRecordsPerInterval", BufferCapacity.ToString(CultureInfo.InvariantCulture)),

        // While the Table service is down every archive attempt fails; a good record must wait, not turn poison.
        ("Proxy__Failures__MaxDequeueCount", "1000"),
        ("Proxy__Failures__ArchiveRetryDelay", "00:00:01"),
        ("Proxy__Failures__ArchivePollInterval", "00:00:00.200"),
    ];

    /// <summary>The fault script, on the load's clock; each fault is over before the next begins, except as noted.</summary>
    private async Task ChaosAsync(PersistentAzuriteService table, PersistentAzuriteService queue, SwitchableTcpRelay relay, Func<Task<ProxySlot>> restart)
    {
        await UntilAsync(5);
        var down = _clock.Elapsed;
        await table.StopAsync();
        await UntilAsync(12);
        await table.StartAsync();
        _faults.Enqueue(new Fault("Table service stopped", down, _clock.Elapsed));

        await UntilAsync(15);
        down = _clock.Elapsed;
        relay.Down();
        await UntilAsync(18);
        await relay.UpAsync();
        _faults.Enqueue(new Fault("upstream down (refused, connections reset)", down, _clock.Elapsed));

        // The queue stays away across the kill and the second Table outage, so that the killed process dies holding records.
        await UntilAsync(21);
        _queueDownAt = _clock.Elapsed;
        await queue.StopAsync();

        await UntilAsync(26);
        ProxySlot victim;
        lock (_liveGate)
        {
            victim = _live.Single(slot => slot.Name == Killed);
            _live.Remove(victim);
        }

        _killedAt = _clock.Elapsed;

        // ProxyProcess.DisposeAsync is Process.Kill: SIGKILL, no shutdown, no drain.
        victim.Killed = true;
        await victim.Process.DisposeAsync();
        var restarted = await restart();
        lock (_liveGate)
        {
            _live.Add(restarted);
        }

        _faults.Enqueue(new Fault("proxy A killed (SIGKILL), A2 started in its place", _killedAt.Value, _clock.Elapsed));

        await UntilAsync(33);
        down = _clock.Elapsed;
        await table.StopAsync();
        await UntilAsync(39);
        await table.StartAsync();
        _faults.Enqueue(new Fault("Table service stopped again", down, _clock.Elapsed));

        await UntilAsync(42);
        await queue.StartAsync();
        _faults.Enqueue(new Fault("Queue service stopped", _queueDownAt.Value, _clock.Elapsed));

        await UntilAsync(45);
        down = _clock.Elapsed;
        relay.Down();
        await UntilAsync(47);
        await relay.UpAsync();
        _faults.Enqueue(new Fault("upstream down again", down, _clock.Elapsed));
    }

    private async Task UntilAsync(double seconds)
    {
        var wait = TimeSpan.FromSeconds(seconds) - _clock.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    private async Task WorkerAsync(Random random)
    {
        while (_clock.Elapsed < s_loadDuration && Interlocked.Increment(ref _sequence) is var sequence and <= MaxRequests)
        {
            var slot = PickSlot(sequence);
            var key = KeyFor(sequence, random);
            var roll = random.Next(100);
            var outcome = roll switch
            {
                < 36 => await SendAsync(slot, sequence, key, Kind.Echo, HttpMethod.Get, "/v1/echo", null, null, null),
                < 52 => await SendAsync(slot, sequence, key, Kind.Chat, HttpMethod.Post, "/v1/chat/completions", null, ChatBody(stream: false), null),
                < 70 => await SendAsync(slot, sequence, key, Kind.Stream, HttpMethod.Post, "/v1/chat/completions", null, ChatBody(stream: true), null),
                < 86 => await SendUpstreamErrorAsync(slot, sequence, key, random),
                < 95 => await SendAsync(slot, sequence, key, Kind.SseError, HttpMethod.Get, "/v1/sse-error", null, null, null),
                _ => await SendAsync(slot, sequence, key, Kind.Stall, HttpMethod.Get, "/v1/stall", "ms=3000", null, 504),
            };
            _outcomes.Enqueue(outcome);
            await Task.Delay(random.Next(60, 140));
        }
    }

    private Task<Outcome> SendUpstreamErrorAsync(ProxySlot slot, long sequence, int key, Random random)
    {
        // One in four: an upstream that echoes the (injected) key, sends Latin-1 header bytes, huge values, or stalls its body.
        (string Path, int Status, string? Message)? hostile = random.Next(16) switch
        {
            0 => ("/v1/hostile/echo-key/500", 500, "Invalid API key: [redacted]."),
            1 => ("/v1/hostile/latin1/500", 500, "Upstream says "),
            2 => ("/v1/hostile/huge-values", 500, null),
            3 => ("/v1/hostile/stalled-error/500", 500, null),
            _ => null,
        };
        if (hostile is { } answer)
        {
            return SendAsync(slot, sequence, key, Kind.UpstreamError, HttpMethod.Get, answer.Path, null, null, answer.Status, answer.Message);
        }

        var shape = s_errorShapes[random.Next(s_errorShapes.Length)];
        var status = s_errorStatuses[random.Next(s_errorStatuses.Length)];
        var path = $"/v1/errors/{shape}/{status.ToString(CultureInfo.InvariantCulture)}";
        var message = shape == "empty" ? null : FakeUpstream.ErrorMessage(shape, status);
        return SendAsync(slot, sequence, key, Kind.UpstreamError, HttpMethod.Get, path, null, null, status, message);
    }

    private async Task<Outcome> SendAsync(
        ProxySlot slot, long sequence, int key, Kind kind, HttpMethod method, string path, string? query, string? json, int? expectedStatus,
        string? expectedMessage = null)
    {
        var marker = Marker(sequence);
        _keyOfRequest[sequence] = key;
        using var request = new HttpRequestMessage(method, $"{path}?{(query is null ? string.Empty : query + "&")}soak={marker}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _keys[key]);
        request.Headers.Add("X-Client-Request-Id", "soak-" + marker);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        var outcome = Begin(slot, sequence, key, kind, path, expectedStatus, expectedMessage);
        using var bound = new CancellationTokenSource(s_answerBound);
        try
        {
            using var response = await slot.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, bound.Token);
            outcome = outcome with
            {
                Status = (int)response.StatusCode,
                RequestId = response.Headers.TryGetValues("x-request-id", out var ids) ? ids.Single() : null,
                ContentType = response.Content.Headers.ContentType?.MediaType,
                Counted = response.Headers.Contains("X-RateLimit-Limit"),
                Remaining = response.Headers.TryGetValues("X-RateLimit-Remaining", out var remaining) ? remaining.Single() : null,
            };
            try
            {
                outcome = outcome with { Body = await response.Content.ReadAsStringAsync(bound.Token) };
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                outcome = outcome with { Broken = true };
            }
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            outcome = outcome with { TimedOut = true };
        }
        catch (HttpRequestException)
        {
            outcome = outcome with { ConnectionFailed = true };
        }

        return End(outcome);
    }

    /// <summary>Clients that leave mid-stream, on a bare socket: HttpClient would drain the response before closing.</summary>
    private async Task AbortWorkerAsync(Random random)
    {
        while (_clock.Elapsed < s_loadDuration && Interlocked.Increment(ref _sequence) is var sequence and <= MaxRequests)
        {
            var slot = PickSlot(sequence);
            var key = KeyFor(sequence, random);
            _keyOfRequest[sequence] = key;
            var marker = Marker(sequence);
            var head = $"GET /v1/slow-stream?soak={marker} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {_keys[key]}\r\nX-Client-Request-Id: soak-{marker}\r\n\r\n";
            _outcomes.Enqueue(await SendRawAsync(Begin(slot, sequence, key, Kind.Abort, "/v1/slow-stream", null, null), head, leaveMidStream: true));
            await Task.Delay(random.Next(300, 700));
        }
    }

    /// <summary>Requests the proxy must refuse itself: each gets its documented error and a record, and none reaches the upstream.</summary>
    private async Task HostileWorkerAsync(Random random)
    {
        while (_clock.Elapsed < s_loadDuration && Interlocked.Increment(ref _sequence) is var sequence and <= MaxRequests)
        {
            var slot = PickSlot(sequence);
            var marker = Marker(sequence);
            var hostileKey = $"sk-hostile-{_run}-{sequence.ToString(CultureInfo.InvariantCulture)}";
            _hostileKeys.Enqueue(hostileKey);
            var auth = $"Authorization: Bearer {hostileKey}\r\n";
            var body = string.Empty;
            var (path, line, headers, status, message) = random.Next(11) switch
            {
                10 => ("/v1/%2e%2e/admin", $"POST /v1/%2e%2e/admin?soakh={marker}", auth +
                    $"Content-Type: application/json\r\nContent-Length: {(body = ForgingBody).Length.ToString(CultureInfo.InvariantCulture)}\r\n", 404, "Not Found: "),
                9 => (s_apostrophePath, $"GET {s_apostrophePath}?soakh={marker}", auth, 404, "Not Found: "),
                8 => ("/v1/chat/completions", $"OPTIONS /v1/chat/completions?soakh={marker}",
                    "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n", 403, "Forbidden: this origin may not call the API"),
                7 => ("/v1/%2%65%2%65/admin", $"GET /v1/%2%65%2%65/admin?soakh={marker}", auth, 400, "Bad Request: the path has a '%'"),
                6 => ("/v1/%25%32%65%25%32%65/admin", $"GET /v1/%25%32%65%25%32%65/admin?soakh={marker}", auth, 404, "Not Found: "),
                5 => ("/v1/echo", $"GET /v1/echo?soakh={marker}", auth + "X-Custom: a\0b\r\n", 400, "Bad Request: the request is not valid HTTP/1.1"),
                0 => ("/v1/echo", $"GET /v1/echo?soakh={marker}", string.Empty, 401, ErrorCatalog.InvalidApiKeyMessage),
                1 => ("/v1/echo", $"GET /v1/echo?soakh={marker}", auth + $"Authorization: Bearer {hostileKey}-second\r\n", 400, "Bad Request: "),
                2 => ("/v1/%2e%2e/admin", $"GET /v1/%2e%2e/admin?soakh={marker}", auth, 404, "Not Found: "),
                3 => ("/v1/ech%01o", $"GET /v1/ech%01o?soakh={marker}", auth, 400, "Bad Request: "),
                _ => ("/v1/upload", $"POST /v1/upload?soakh={marker}", auth +
                    $"Content-Type: application/octet-stream\r\nContent-Length: {(ProxyFixture.MaxRequestBodySize + 1).ToString(CultureInfo.InvariantCulture)}\r\n", 413, "Payload Too Large: "),
            };
            var head = $"{line} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}X-Client-Request-Id: soakh-{marker}\r\nConnection: close\r\n\r\n{body}";
            _outcomes.Enqueue(await SendRawAsync(Begin(slot, sequence, -1, Kind.Hostile, path, status, message), head, leaveMidStream: false));
            await Task.Delay(random.Next(150, 350));
        }
    }

    /// <summary>
    /// At 19 s, with the Table service and the upstream up: a burst of requests with made-up keys, each new to the quota, at a
    /// concurrency that would open the circuit if client traffic alone could. Each key has limit 1 here by its share of
    /// the burst: none may be admitted more than once per process lifetime.
    /// </summary>
    private async Task MadeUpKeyBurstAsync(ProxySlot target)
    {
        await UntilAsync(19);
        var start = _clock.Elapsed;
        using var client = ProxyFixture.ClientFor(target.Process, withKey: false);
        client.Timeout = s_answerBound;
        var statuses = new ConcurrentBag<int>();
        await Parallel.ForEachAsync(Enumerable.Range(0, BurstRequests), new ParallelOptions { MaxDegreeOfParallelism = 48 }, async (i, cancellationToken) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/echo?burst={_run}");
            request.Headers.Authorization = new("Bearer", $"sk-burst-{_run}-{i}");
            try
            {
                using var response = await client.SendAsync(request, cancellationToken);
                statuses.Add((int)response.StatusCode);
            }
            catch (HttpRequestException)
            {
                statuses.Add(0);
            }
        });
        _burst = new Burst(BurstRequests, BurstRequests, statuses.Count(status => status == 200), statuses.Count(status => status == 503),
            statuses.Count(status => status is not (200 or 503)));
        _faults.Enqueue(new Fault($"{BurstRequests} requests with made-up keys to {target.Name}", start, _clock.Elapsed));
    }

    /// <summary>
    /// From 8 s to 30 s: idle connections to one proxy, more than it keeps idle, while the load goes on through it.
    /// </summary>
    private async Task IdleConnectionAttackAsync(ProxySlot target)
    {
        await UntilAsync(8);
        var start = _clock.Elapsed;
        await using var flood = IdleConnectionFlood.Start(target.Process.Port, IdleFloodConnections);
        var opened = await flood.OpenedAsync(s_answerBound * 4);
        await UntilAsync(30);
        var held = await flood.ReportAsync(s_answerBound);
        _idleFlood = (opened, held);
        _faults.Enqueue(new Fault($"{IdleFloodConnections} idle connections to {target.Name}", start, _clock.Elapsed));
    }

    /// <summary>
    /// Sends a request head on a bare socket and reads the answer: a 200 stream is left after its first event
    /// (when <paramref name="leaveMidStream"/>); anything else is read to the end of its Content-Length.
    /// </summary>
    private async Task<Outcome> SendRawAsync(Outcome outcome, string head, bool leaveMidStream)
    {
        using var bound = new CancellationTokenSource(s_answerBound);
        var received = new MemoryStream();
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, outcome.Slot.Process.Port, bound.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), bound.Token);
            var buffer = new byte[8192];
            RawHttpResponse? response = null;
            while (true)
            {
                var read = await stream.ReadAsync(buffer, bound.Token);
                if (read == 0)
                {
                    return End(response is null ? outcome with { ConnectionFailed = true } : outcome with { Broken = true });
                }

                received.Write(buffer, 0, read);
                var text = Encoding.UTF8.GetString(received.ToArray());
                if (response is null && text.Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    response = RawHttpResponse.Parse(text);
                    outcome = outcome with
                    {
                        Status = response.StatusCode,
                        RequestId = response.Headers.GetValueOrDefault("x-request-id"),
                        ContentType = response.Headers.GetValueOrDefault("Content-Type")?.Split(';')[0],
                        Counted = response.Headers.ContainsKey("X-RateLimit-Limit"),
                        Remaining = response.Headers.GetValueOrDefault("X-RateLimit-Remaining"),
                    };
                }

                if (response is null)
                {
                    continue;
                }

                var body = RawHttpResponse.Parse(text).Body;
                if (response.StatusCode == 200 && leaveMidStream)
                {
                    if (body.Contains("data:", StringComparison.Ordinal))
                    {
                        // The stream is flowing: leave without a word, as a closed laptop does.
                        return End(outcome with { Aborted = true, Body = body });
                    }
                }
                else if (response.Headers.TryGetValue("Content-Length", out var length)
                    && Encoding.UTF8.GetByteCount(body) >= int.Parse(length, CultureInfo.InvariantCulture))
                {
                    return End(outcome with { Body = body });
                }
            }
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            return End(outcome with { TimedOut = true });
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return End(outcome.Status is null ? outcome with { ConnectionFailed = true } : outcome with { Broken = true });
        }
    }

    private Outcome Begin(ProxySlot slot, long sequence, int key, Kind kind, string path, int? expectedStatus, string? expectedMessage) =>
        new(sequence, kind, key, slot, path, expectedStatus, expectedMessage, _clock.Elapsed, DateTimeOffset.UtcNow);

    private Outcome End(Outcome outcome) => outcome with { End = _clock.Elapsed, EndUtc = DateTimeOffset.UtcNow };

    private ProxySlot PickSlot(long sequence)
    {
        lock (_liveGate)
        {
            return _live[(int)(sequence % _live.Count)];
        }
    }

    /// <summary>
    /// A tenth of the requests go to a few hot keys, used up early and therefore the ones fail-open lets through; the
    /// rest roll through fresh keys, about <see cref="RequestsPerRollingKey"/> each, so most keys cross their limit.
    /// </summary>
    private static int KeyFor(long sequence, Random random) => random.Next(10) == 0
        ? random.Next(HotKeys)
        : Math.Min(KeyCount - 1, HotKeys + (int)(sequence / RequestsPerRollingKey) + random.Next(3));

    private string Marker(long sequence) => $"{_run}-{sequence.ToString(CultureInfo.InvariantCulture)}";

    private static string ChatBody(bool stream) =>
        $"{{\"model\":\"gpt-4o-mini\",\"stream\":{(stream ? "true" : "false")},\"messages\":[{{\"role\":\"user\",\"content\":\"Hi\"}}]}}";

    /// <summary>Waits until every record the surviving processes owe is archived and the queue is empty; returns the rows.</summary>
    private async Task<(List<TableEntity> Rows, TimeSpan CatchUp)> WaitForArchiveAsync(string storage, string queueName, string tableName)
    {
        var owed = _outcomes.Where(outcome => ExpectsRecord(outcome) && outcome.Slot.Name != Killed).Select(outcome => outcome.RequestId!).ToHashSet();
        var table = new TableClient(storage, tableName);
        var clock = Stopwatch.StartNew();
        List<TableEntity> rows = [];
        while (clock.Elapsed < s_catchUpBound)
        {
            rows = await ReadRowsAsync(table);
            var archived = rows.Select(RequestIdOf).ToHashSet();
            if (owed.All(archived.Contains) && await QueueLengthAsync(storage, queueName) == 0)
            {
                break;
            }

            await Task.Delay(500);
        }

        var caughtUp = clock.Elapsed;

        // Anything still in flight (a redelivery) would land within the archiver's retry delay.
        await Task.Delay(1500);
        return (await ReadRowsAsync(table), caughtUp);
    }

    private static async Task<List<TableEntity>> ReadRowsAsync(TableClient table)
    {
        var rows = new List<TableEntity>();
        try
        {
            await foreach (var row in table.QueryAsync<TableEntity>())
            {
                rows.Add(row);
            }
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
        }

        return rows;
    }

    private static async Task<int> QueueLengthAsync(string storage, string queueName)
    {
        var queue = new QueueClient(storage, queueName);
        return (await queue.ExistsAsync()).Value ? (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount : 0;
    }

    /// <summary>The quota's own rows for the soak's keys, this UTC day and the one before (a run may cross midnight).</summary>
    private async Task<Dictionary<string, long>> StoredCountsAsync(string storage)
    {
        var keyIds = _keys.Select(ApiKeyHash.Of).ToHashSet(StringComparer.Ordinal);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var service = new TableServiceClient(storage);
        foreach (var day in new[] { DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(-1) }.Select(time => "quota" + time.ToString("yyyyMMdd", CultureInfo.InvariantCulture)).Distinct())
        {
            try
            {
                await foreach (var row in service.GetTableClient(day).QueryAsync<TableEntity>())
                {
                    if (keyIds.Contains(row.RowKey))
                    {
                        counts[row.PartitionKey + "/" + row.RowKey] = row.GetInt64("Count") ?? 0;
                    }
                }
            }
            catch (Azure.RequestFailedException e) when (e.Status == 404)
            {
            }
        }

        return counts;
    }

    /// <summary>The processes that still answer at the end; a crash would show as one that does not.</summary>
    private static async Task<List<string>> LiveProxiesAsync(List<ProxySlot> slots)
    {
        var alive = new List<string>();
        foreach (var slot in slots.Where(slot => slot.Name != Killed))
        {
            try
            {
                using var response = await slot.Client.GetAsync("/v1/echo");
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    alive.Add(slot.Name);
                }
            }
            catch (HttpRequestException)
            {
            }
        }

        return alive;
    }

    /// <summary>
    /// For every key: requests that reached the upstream ≤ the limit (per UTC hour the key's requests spanned) plus the
    /// counted requests that failed through no fault of their client (refunded) plus the
    /// requests fail-open admitted uncounted, counted from their quota_store_unavailable records (archived rows, and
    /// log lines, since a request that also failed has a second record under the same request id, and the archive keeps a row for each).
    /// </summary>
    private void CheckQuota(
        List<Outcome> outcomes, List<TableEntity> rows, Dictionary<string, long> stored, List<ProxySlot> slots, int upstreamBefore, List<string> failures)
    {
        var keyIdOf = Enumerable.Range(0, KeyCount).ToDictionary(key => key, key => ApiKeyHash.Prefix(ApiKeyHash.Of(_keys[key])));
        var failOpenFromRows = rows.Where(row => row.GetString("Kind") == "quota_store_unavailable")
            .Select(row => (RequestId: RequestIdOf(row), KeyId: row.GetString("KeyId") ?? string.Empty)).ToList();
        var failOpenFromLogs = slots.SelectMany(slot => slot.Process.Output).Select(line => FailOpenLogLine().Match(line)).Where(match => match.Success)
            .Select(match => (RequestId: match.Groups["request"].Value, KeyId: match.Groups["key"].Value)).ToList();
        var failOpen = failOpenFromRows.Concat(failOpenFromLogs).DistinctBy(entry => entry.RequestId).ToList();
        var failOpenByKey = failOpen.GroupBy(entry => entry.KeyId).ToDictionary(group => group.Key, group => group.Count());
        var seenFailOpen = outcomes.Where(IsFailOpen).ToList();
        var kindsOf = rows.GroupBy(RequestIdOf).ToDictionary(group => group.Key, group => group.Select(row => row.GetString("Kind")).ToHashSet());

        // A fail-open request that also failed has two records under one request id; the archive keeps both rows.
        var failedToo = seenFailOpen.Where(outcome => outcome.Status >= 400 || outcome.Kind == Kind.SseError || outcome.Aborted).ToList();
        var keptBoth = failedToo.Count(outcome => kindsOf.GetValueOrDefault(outcome.RequestId!) is { Count: 2 } kinds && kinds.Contains("quota_store_unavailable"));

        var upstream = fixture.Upstream.Requests.Skip(upstreamBefore).Select(request => SoakMarker().Match(request.Target))
            .Where(match => match.Success && match.Groups["run"].Value == _run).ToList();
        var sequences = upstream.Select(match => long.Parse(match.Groups["sequence"].Value, CultureInfo.InvariantCulture)).ToList();
        var twice = sequences.Count - sequences.Distinct().Count();
        var hitsByKey = sequences.Distinct().GroupBy(sequence => _keyOfRequest[sequence]).ToDictionary(group => group.Key, group => group.Count());

        // A counted request that failed through no fault of its client gave its unit back, so it reached the upstream
        // without using up the hour: an upstream 5xx or 429, the proxy's 502/504, a 200 stream the upstream broke, as its
        // client saw it, or its record says so (a client that left a stream as the upstream broke it). One answered by the
        // killed process may have died with its refund unwritten: its unit then stayed counted, which only lowers what
        // the key got, so counting it as given back here never hides an admission too many. The exact count of every
        // key is proved from the stored rows and the records in CheckExactCounts.
        var hits = sequences.ToHashSet();
        var refundedRecords = rows.Where(row => row.GetBoolean("Refunded") == true && row.GetString("Kind") != "quota_store_unavailable").Select(RequestIdOf).ToHashSet();
        bool GaveBack(Outcome outcome) => hits.Contains(outcome.Sequence) && outcome.Counted
            && (outcome.Status >= 500 || (outcome.Status == 429 && !IsQuotaRefusal(outcome)) || (outcome.Broken && !outcome.Aborted)
                || (outcome.RequestId is { } id && refundedRecords.Contains(id)));
        var refundedByKey = outcomes.Where(GaveBack).GroupBy(outcome => outcome.Key).ToDictionary(group => group.Key, group => group.Count());

        // While the store is away each process counts in memory and refuses beyond the limit, so fail-open admissions are
        // bounded too: at most the limit per key, hour and process lifetime (a restarted process starts from nothing).
        var lifetimes = slots.Count;
        var mostBeyondFailOpen = 0;
        var mostWithFailOpen = 0;
        var violations = new List<string>();
        foreach (var (key, keyHits) in hitsByKey)
        {
            var allowance = Limit * HoursSpanned(outcomes.Where(outcome => outcome.Key == key));
            var admittedUncounted = failOpenByKey.GetValueOrDefault(keyIdOf[key]);
            var refunded = refundedByKey.GetValueOrDefault(key);
            var counted = keyHits - admittedUncounted - refunded;
            mostBeyondFailOpen = Math.Max(mostBeyondFailOpen, counted);
            mostWithFailOpen = admittedUncounted > 0 ? Math.Max(mostWithFailOpen, keyHits - refunded) : mostWithFailOpen;

            // Fail-open admissions are never counted: the limit counted, plus at most the limit uncounted per lifetime.
            if (counted > allowance || keyHits - refunded > allowance * (lifetimes + 1))
            {
                violations.Add($"key {key} ({keyIdOf[key]}): {keyHits} upstream requests, {admittedUncounted} fail-open, {refunded} refunded, allowance {allowance} ({allowance * (lifetimes + 1)} with {lifetimes} process lifetimes); " +
                    "its upstream requests: " + string.Join(", ", outcomes.Where(outcome => outcome.Key == key && hits.Contains(outcome.Sequence)).OrderBy(outcome => outcome.Start)
                        .Select(outcome => Describe(outcome, rows))));
            }
        }

        var countedAdmitted = outcomes.Where(outcome => outcome.Counted && outcome.Kind != Kind.Hostile && !IsQuotaRefusal(outcome))
            .GroupBy(outcome => outcome.Key).Select(group => group.Count()).DefaultIfEmpty().Max();
        var keysOverLimit = outcomes.Where(IsQuotaRefusal).Select(outcome => outcome.Key).Distinct().Count();
        var maxStored = stored.Values.DefaultIfEmpty().Max();
        Check(violations.Count == 0 && maxStored <= Limit * lifetimes && twice == 0, failures,
            $"No over-admission: over {hitsByKey.Count} keys that reached the upstream ({keysOverLimit} refused with 429 after their limit), " +
            $"the most upstream requests any key got beyond its fail-open admissions and refunded failures ({refundedByKey.Values.Sum()} in all) " +
            $"is {mostBeyondFailOpen} against a limit of {Limit} per hour; " +
            $"reported separately, fail-open admitted {failOpen.Count} requests uncounted across {failOpenByKey.Count} keys, taking those keys to at most " +
            $"{mostWithFailOpen} upstream requests not refunded (bound {Limit * (lifetimes + 1)}: the limit counted, plus the limit uncounted in each of {lifetimes} process lifetimes) (records: {failOpenFromRows.Count} archived rows, {failOpenFromLogs.Count} log lines; clients saw " +
            $"{seenFailOpen.Count} responses without rate-limit headers; {failedToo.Count} of those requests also failed and so had two records under one " +
            $"request id, of which the archive kept both {keptBoth} times); most counted admissions a client saw for one key: {countedAdmitted}; " +
            $"highest stored count {maxStored} (bound {Limit * lifetimes}); {sequences.Count} upstream requests from the load, {twice} seen twice; " +
            $"a burst of {_burst.Sent} requests with {_burst.Keys} made-up keys: {_burst.Admitted} admitted, {_burst.Shed} shed with 503, {_burst.Other} other answers" +
            (violations.Count == 0 ? string.Empty : "; VIOLATIONS: " + string.Join("; ", violations)));
    }

    /// <summary>
    /// Every key's stored count, proved from what the clients saw and what the proxy recorded: the requests admitted by the
    /// count (their answers carried the rate-limit headers, or, for a client that left or a stream the upstream broke,
    /// their record says whether the unit was kept or given back), less those whose record says the unit was given back.
    /// Fail-open admissions (their quota_store_unavailable record) are never in it. A key the killed process served may
    /// have lost with it a record, a refund not yet written or a write it never settled, so for those only the limit is
    /// checked.
    /// </summary>
    private void CheckExactCounts(List<Outcome> outcomes, List<TableEntity> rows, Dictionary<string, long> stored, List<string> failures)
    {
        var recordsOf = rows.GroupBy(RequestIdOf).ToDictionary(group => group.Key, group => group.ToList());
        List<TableEntity> Records(Outcome outcome) => outcome.RequestId is { } id && recordsOf.TryGetValue(id, out var found) ? found : [];
        bool FailOpen(Outcome outcome) => Records(outcome).Any(row => row.GetString("Kind") == "quota_store_unavailable");
        bool? GivenBack(Outcome outcome) => Records(outcome).Where(row => row.GetString("Kind") != "quota_store_unavailable")
            .Select(row => row.GetBoolean("Refunded")).FirstOrDefault(refunded => refunded is not null);
        bool AdmittedByCount(Outcome outcome) => !FailOpen(outcome) && ((outcome.Counted && !IsQuotaRefusal(outcome)) || (!outcome.Counted && GivenBack(outcome) is not null));

        var exact = 0;
        var violations = new List<string>();
        foreach (var byKey in outcomes.Where(outcome => outcome.Kind != Kind.Hostile).GroupBy(outcome => outcome.Key))
        {
            var keyId = ApiKeyHash.Of(_keys[byKey.Key]);
            var storedCount = stored.Where(row => row.Key.EndsWith("/" + keyId, StringComparison.Ordinal)).Sum(row => row.Value);
            var admitted = byKey.Where(AdmittedByCount).ToList();
            var expected = admitted.Count - admitted.Count(outcome => GivenBack(outcome) == true);
            var allowance = Limit * HoursSpanned(byKey);
            if (storedCount > allowance)
            {
                violations.Add($"key {byKey.Key} ({ApiKeyHash.Prefix(keyId)}): stored {storedCount} against a limit of {allowance}");
            }
            else if (byKey.All(outcome => outcome.Slot.Name != Killed))
            {
                exact++;
                if (storedCount != expected)
                {
                    violations.Add($"key {byKey.Key} ({ApiKeyHash.Prefix(keyId)}): stored {storedCount}, proved {expected} ({admitted.Count} admitted by the count, " +
                        $"{admitted.Count(outcome => GivenBack(outcome) == true)} given back); its requests: " +
                        string.Join(", ", byKey.OrderBy(outcome => outcome.Start).Select(outcome => Describe(outcome, rows))));
                }
            }
        }

        Check(violations.Count == 0, failures,
            $"Exact counts: {exact} keys the killed process never served have stored counts equal to their admissions less their refunds, " +
            $"and no key's stored count is over its limit" + (violations.Count == 0 ? string.Empty : "; VIOLATIONS: " + string.Join("; ", violations)));
    }

    /// <summary>One request as its client saw it and as the archive recorded it, for a violation's evidence.</summary>
    private static string Describe(Outcome outcome, List<TableEntity> rows)
    {
        var flags = string.Join("/", new[] { (outcome.Aborted, "aborted"), (outcome.Broken, "broken"), (outcome.TimedOut, "timed-out"), (outcome.ConnectionFailed, "no-answer") }
            .Where(flag => flag.Item1).Select(flag => flag.Item2));
        var records = string.Join("+", rows.Where(row => outcome.RequestId is not null && RequestIdOf(row) == outcome.RequestId)
            .Select(row => $"{row.GetString("Kind")}{(row.GetBoolean("Refunded") is { } refunded ? (refunded ? " refunded" : " kept") : string.Empty)}"));
        return $"#{outcome.Sequence} {outcome.Kind} on {outcome.Slot.Name} {outcome.Start.TotalSeconds:F2}-{outcome.End.TotalSeconds:F2} s: " +
            $"{outcome.Status?.ToString(CultureInfo.InvariantCulture) ?? "-"}{(outcome.Counted ? $" remaining {outcome.Remaining}" : " uncounted")}" +
            $"{(flags.Length > 0 ? " " + flags : string.Empty)}{(records.Length > 0 ? $" [{records}]" : string.Empty)}";
    }

    private void CheckNothingLost(
        List<Outcome> outcomes, List<TableEntity> rows, List<ProxySlot> slots, TimeSpan catchUp, int poison, int stillQueued, List<string> failures)
    {
        var rowsById = rows.GroupBy(RequestIdOf).ToDictionary(group => group.Key, group => group.Count());
        var rowsByIdAndKind = rows.GroupBy(row => (RequestIdOf(row), row.GetString("Kind"))).ToDictionary(group => group.Key, group => group.Count());
        var owed = outcomes.Where(ExpectsRecord).ToList();
        var errorsSeen = outcomes.Count(outcome => outcome.Status >= 400 && outcome.RequestId is not null);
        var missing = owed.Where(outcome => !rowsById.ContainsKey(outcome.RequestId!)).ToList();
        var lostByKill = missing.Where(outcome => outcome.Slot.Name == Killed).ToList();
        var lostOrAggregated = missing.Where(outcome => outcome.Slot.Name != Killed).ToList();

        // Failures without an accepted key (the hostile requests, shed requests) beyond their share of the buffer are
        // counted into aggregated records instead of a record each: those count as kept when the aggregated counts cover them.
        var aggregated = rows.Where(row => row.GetString("Kind") == "aggregated").Sum(row => Convert.ToInt64(row["Count"], CultureInfo.InvariantCulture));
        var withoutKey = lostOrAggregated.Where(outcome => outcome.Kind == Kind.Hostile || IsShed(outcome)).ToList();
        var lost = withoutKey.Count <= aggregated ? lostOrAggregated.Except(withoutKey).ToList() : lostOrAggregated;
        var duplicated = rowsByIdAndKind.Count(pair => pair.Value > 1);
        var lostBeforeOutage = lostByKill.Count(outcome => outcome.End < _queueDownAt - TimeSpan.FromSeconds(5));
        var dropped = slots.SelectMany(slot => slot.Process.Output)
            .Count(line => line.Contains("Failure buffer full", StringComparison.Ordinal));
        Check(lost.Count == 0 && duplicated == 0 && lostByKill.Count <= BufferCapacity && lostBeforeOutage == 0 && poison == 0 && stillQueued == 0 && dropped == 0, failures,
            $"Nothing lost: {owed.Count} failures clients saw ({errorsSeen} responses >= 400, plus aborts, broken and error-carrying streams and " +
            $"fail-open admissions) have {owed.Count - missing.Count} archived rows, {duplicated} duplicated; missing from live processes: {lost.Count}; " +
            $"held by the killed process when it died: {lostByKill.Count} (bound {BufferCapacity}, {lostBeforeOutage} of them from before the queue went down); " +
            $"failures without a key counted in aggregated records instead: {aggregated} (of them the soak's own: {withoutKey.Count}); " +
            $"archive caught up {catchUp.TotalSeconds:F1} s after the load; poison {poison}, left on the queue {stillQueued}, buffer-full drops {dropped}" +
            (lost.Count == 0 ? string.Empty : "; LOST: " + string.Join(", ", lost.Take(10).Select(Describe))));
    }

    private void CheckNothingLeaks(List<Outcome> outcomes, List<TableEntity> rows, List<ProxySlot> slots, int upstreamBefore, List<string> failures)
    {
        string[] secrets = [.. _keys, .. _hostileKeys, $"sk-burst-{_run}", ProxyFixture.UpstreamKey, "AccountKey", "Eby8vdM02x", "Bearer ", "   at ", "Exception"];
        var bodies = outcomes.Select(outcome => outcome.Body).ToList();
        var recordTexts = rows.Select(row => string.Join("\n", ((IDictionary<string, object>)row).Values.OfType<string>())).ToList();
        var logLines = slots.SelectMany(slot => slot.Process.Output).ToList();
        var hits = new List<string>();
        foreach (var (source, texts) in new[] { ("response body", bodies), ("archived record", recordTexts), ("log line", logLines) })
        {
            foreach (var text in texts)
            {
                if (secrets.FirstOrDefault(secret => text.Contains(secret, StringComparison.Ordinal)) is { } secret)
                {
                    hits.Add($"{source} contains '{(secret.StartsWith("sk-", StringComparison.Ordinal) ? secret[..12] + "…" : secret)}': {Truncate(text, 300)}");
                }
            }
        }

        var forged = logLines.Count(line => line.StartsWith(ForgedLine, StringComparison.Ordinal));
        if (forged > 0)
        {
            hits.Add($"{forged} log lines forged by a model name");
        }

        var clientKeysUpstream = fixture.Upstream.Requests.Skip(upstreamBefore).Where(request => SoakMarker().IsMatch(request.Target))
            .Count(request => request.Headers.GetValueOrDefault("Authorization") != "Bearer " + ProxyFixture.UpstreamKey);
        var hostileUpstream = fixture.Upstream.Requests.Skip(upstreamBefore).Count(request => request.Target.Contains("soakh=" + _run, StringComparison.Ordinal));
        Check(hits.Count == 0 && clientKeysUpstream == 0 && hostileUpstream == 0, failures,
            $"Nothing leaks: {bodies.Count} response bodies, {recordTexts.Count} archived records and {logLines.Count} log lines searched for " +
            $"{_keys.Count + _hostileKeys.Count} client keys, the upstream key (which some upstream answers echo), AccountKey, the account key, 'Bearer ', " +
            $"stack traces ('   at ', 'Exception') and lines forged by a model name: {hits.Count} hits; " +
            $"upstream requests carrying anything but the injected key: {clientKeysUpstream}; hostile requests that reached the upstream: {hostileUpstream}" +
            (hits.Count == 0 ? string.Empty : "; HITS: " + string.Join(" | ", hits.Take(10))));
    }

    private void CheckAlwaysAnswered(List<Outcome> outcomes, List<ProxySlot> slots, List<string> alive, List<string> failures)
    {
        var problems = outcomes.Select(outcome => (Outcome: outcome, Problem: ProblemOf(outcome))).Where(entry => entry.Problem is not null).ToList();
        var cutByKill = outcomes.Count(outcome => EndedByKill(outcome) && (outcome.ConnectionFailed || outcome.Broken));
        var brokenByFlap = outcomes.Count(outcome => outcome.Broken && !EndedByKill(outcome) && DuringFlap(outcome));
        var documented = outcomes.Count(outcome => outcome.Status >= 400 && !outcome.Broken);
        var complete = outcomes.Count(outcome => outcome.Status < 400 && !outcome.Broken && !outcome.Aborted);
        var aborted = outcomes.Count(outcome => outcome.Aborted);
        var slowest = outcomes.Where(outcome => !outcome.TimedOut).Select(outcome => outcome.End - outcome.Start).DefaultIfEmpty().Max();
        var badGatewayOutsideFlaps = outcomes.Count(outcome => outcome.Status == 502 && outcome.Kind != Kind.UpstreamError && !DuringFlap(outcome));
        var crashLines = slots.SelectMany(slot => slot.Process.Output)
            .Count(line => line.Contains("crit: ", StringComparison.Ordinal) || line.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase));
        var expectedAlive = slots.Where(slot => slot.Name != Killed).Select(slot => slot.Name).ToList();
        var idleHeld = _idleFlood?.Held.Open;
        Check(problems.Count == 0 && crashLines == 0 && alive.Count == expectedAlive.Count && idleHeld <= MaxIdleConnections, failures,
            $"Always an answer: {outcomes.Count - problems.Count} of {outcomes.Count} requests answered as documented ({complete} complete successes, " +
            $"{documented} documented errors, {aborted} left mid-stream by their clients, {brokenByFlap} 200 streams broken off when the upstream dropped, " +
            $"{cutByKill} cut by the kill); slowest answer {slowest.TotalSeconds:F2} s (bound {s_answerBound.TotalSeconds:F0} s); " +
            $"502s outside upstream outages: {badGatewayOutsideFlaps}; alive at the end: {string.Join(", ", alive)} of {string.Join(", ", expectedAlive)}; " +
            $"crash lines in logs: {crashLines}; of {IdleFloodConnections} idle connections ({_idleFlood?.Opened.Connected} accepted), " +
            $"{idleHeld?.ToString(CultureInfo.InvariantCulture) ?? "none"} still held at the end of the attack (bound {MaxIdleConnections})" +
            (problems.Count == 0 ? string.Empty : "; PROBLEMS: " + string.Join(" | ", problems.Take(10).Select(entry => $"{Describe(entry.Outcome)}: {entry.Problem}"))));
    }

    /// <summary>Why an outcome is not an answer as documented, or null when it is one.</summary>
    private string? ProblemOf(Outcome outcome)
    {
        if (outcome.TimedOut)
        {
            return $"no answer within {s_answerBound.TotalSeconds:F0} s";
        }

        if (outcome.ConnectionFailed || outcome.Broken)
        {
            return EndedByKill(outcome) || (outcome.Broken && DuringFlap(outcome)) ? null
                : outcome.Broken ? "the response broke off" : "no response";
        }

        if (outcome.RequestId is null)
        {
            return "no x-request-id";
        }

        if (outcome.Aborted)
        {
            return outcome.Status == 200 ? null : "left a response that was not a stream";
        }

        if (outcome.Status is { } status && status >= 400)
        {
            var quotaOrFlap = IsQuotaRefusal(outcome) || IsShed(outcome) || (status == 502 && outcome.Kind != Kind.Hostile);
            if (outcome.ExpectedStatus is { } expected && status != expected && !quotaOrFlap)
            {
                return $"status {outcome.Status}, expected {expected}";
            }

            if (outcome.ContentType != "application/json")
            {
                return $"error with Content-Type {outcome.ContentType}";
            }

            try
            {
                var messageStart = status == outcome.ExpectedStatus ? outcome.ExpectedMessage ?? string.Empty : string.Empty;
                ErrorBodyAssert.Matches(status, outcome.RequestId, outcome.Body, status, outcome.Path, messageStart);
            }
            catch (Exception e) when (e is Xunit.Sdk.XunitException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return "undocumented error body: " + Truncate(e.Message, 200);
            }

            return null;
        }

        var whole = outcome.Kind switch
        {
            Kind.Echo => outcome.Body.Contains("\"ok\":true", StringComparison.Ordinal),
            Kind.Chat => outcome.Body.Contains(FakeUpstream.ChatContent, StringComparison.Ordinal),
            Kind.Stream or Kind.SseError => outcome.Body.EndsWith("data: [DONE]\n\n", StringComparison.Ordinal),
            _ => false,
        };
        return whole ? null : $"status {outcome.Status} with an incomplete or unexpected body: {Truncate(outcome.Body, 120)}";
    }

    /// <summary>Whether a record should exist for this outcome: every failure a client could see, and every admission the quota could not count.</summary>
    private static bool ExpectsRecord(Outcome outcome) =>
        outcome.RequestId is not null && !outcome.ConnectionFailed &&
        (outcome.Status >= 400 || outcome.Broken || outcome.Aborted || IsFailOpen(outcome) || (outcome.Kind == Kind.SseError && outcome.Status == 200));

    /// <summary>A keyed request the proxy let through without rate-limit headers: admitted uncounted.</summary>
    private static bool IsFailOpen(Outcome outcome) =>
        outcome.Kind != Kind.Hostile && outcome.Status is not null && !outcome.Counted && outcome.RequestId is not null;

    /// <summary>A counter write shed under load: 503 with the proxy's own message, the client's hour untouched.</summary>
    private static bool IsShed(Outcome outcome) =>
        outcome.Status == 503 && outcome.Body.Contains("\"code\":\"overloaded\"", StringComparison.Ordinal);

    private static bool IsQuotaRefusal(Outcome outcome) =>
        outcome.Status == 429 && outcome.Body.Contains(ErrorCatalog.FreeTierLimitMessage[..20], StringComparison.Ordinal);

    private bool EndedByKill(Outcome outcome) =>
        outcome.Slot.Name == Killed && _killedAt is { } killedAt && outcome.End >= killedAt - TimeSpan.FromMilliseconds(200);

    private bool DuringFlap(Outcome outcome) => _faults.Any(fault => fault.What.StartsWith("upstream down", StringComparison.Ordinal)
        && outcome.Start <= fault.End + TimeSpan.FromSeconds(1) && outcome.End >= fault.Start);

    /// <summary>UTC hours a key's requests touched: each starts a fresh window with a fresh limit.</summary>
    private static int HoursSpanned(IEnumerable<Outcome> outcomes)
    {
        var list = outcomes.ToList();
        return list.Count == 0 ? 1 : list.SelectMany(outcome => new[] { outcome.StartUtc, outcome.EndUtc })
            .Select(time => time.ToString("yyyyMMddHH", CultureInfo.InvariantCulture)).Distinct().Count();
    }

    private void Check(bool passed, List<string> failures, string figure)
    {
        Report((passed ? "[PASS] " : "[FAIL] ") + figure);
        if (!passed)
        {
            failures.Add(figure);
        }
    }

    private void Report(string line) => output.WriteLine(line);

    private static string Describe(Outcome outcome) =>
        $"#{outcome.Sequence} {outcome.Kind} {outcome.Path} via {outcome.Slot.Name} at {outcome.Start.TotalSeconds:F1}-{outcome.End.TotalSeconds:F1} s " +
        $"status {outcome.Status?.ToString(CultureInfo.InvariantCulture) ?? "none"} id {outcome.RequestId}";

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";

    [GeneratedRegex(@"soak=(?<run>[0-9a-f]{8})-(?<sequence>\d+)")]
    private static partial Regex SoakMarker();

    [GeneratedRegex(@"Failure quota_store_unavailable \(\d+\) from proxy: request (?<request>[0-9a-f-]{36}) .*?; key (?<key>[0-9a-f]*) tier")]
    private static partial Regex FailOpenLogLine();

    /// <summary>One proxy process and the client the load uses for it.</summary>
    private sealed class ProxySlot(string name, ProxyProcess process) : IDisposable
    {
        public string Name { get; } = name;

        public ProxyProcess Process { get; } = process;

        public HttpClient Client { get; } = ProxyFixture.ClientFor(process, withKey: false);

        /// <summary>Set when the process was killed on purpose; its output stays readable.</summary>
        public bool Killed { get; set; }

        public void Dispose() => Client.Dispose();
    }

    /// <summary>What the burst of made-up keys got.</summary>
    private sealed record Burst(int Sent, int Keys, int Admitted, int Shed, int Other);

    /// <summary>A fault and when it held, on the load's clock.</summary>
    private sealed record Fault(string What, TimeSpan Start, TimeSpan End)
    {
        public override string ToString() => $"{What} {Start.TotalSeconds:F1}-{End.TotalSeconds:F1} s";
    }

    /// <summary>What one request got, as its client saw it.</summary>
    private sealed record Outcome(
        long Sequence, Kind Kind, int Key, ProxySlot Slot, string Path, int? ExpectedStatus, string? ExpectedMessage, TimeSpan Start, DateTimeOffset StartUtc)
    {
        public int? Status { get; init; }

        public string? RequestId { get; init; }

        public string? ContentType { get; init; }

        public bool Counted { get; init; }

        /// <summary>The <c>X-RateLimit-Remaining</c> the client saw, when the request was counted.</summary>
        public string? Remaining { get; init; }

        public string Body { get; init; } = string.Empty;

        public bool Broken { get; init; }

        public bool Aborted { get; init; }

        public bool ConnectionFailed { get; init; }

        public bool TimedOut { get; init; }

        public TimeSpan End { get; init; }

        public DateTimeOffset EndUtc { get; init; }
    }

    /// <summary>A row's request id: its row key, except for the uncounted-admission record that sits beside a failure's.</summary>
    private static string RequestIdOf(TableEntity row) => row.GetString("RequestId") ?? row.RowKey;
}
