using Microsoft.Extensions.Time.Testing;
using Proxy.Quota;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Quota;

/// <summary>
/// The limiter against a real Azurite: exact counts, the hour as the window, the limit in force, memory, and what each answer
/// costs in storage calls. (The protocol under faults and every interleaving: <see cref="Simulation.CounterSimulationTests"/>.)
/// </summary>
public sealed class QuotaLimiterTests(InProcessFixture fixture, ITestOutputHelper output) : IClassFixture<InProcessFixture>
{
    private static readonly DateTimeOffset s_halfMinuteBeforeEleven = new(2031, 5, 4, 10, 59, 30, TimeSpan.Zero);

    [Fact]
    public async Task AcquireAsync_UpToTheLimit_AdmitsThenRefusesUntilTheHourTurns()
    {
        var time = new FakeTimeProvider(s_halfMinuteBeforeEleven);
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, time);
        var limiter = harness.Get<QuotaLimiter>();
        var key = QuotaHarness.NewKeyId();

        var admitted = new List<QuotaLease>();
        for (var i = 0; i < 3; i++)
        {
            admitted.Add(await limiter.AcquireAsync(key, 3));
        }

        Assert.All(admitted, lease => Assert.Equal(QuotaDecision.Admitted, lease.Decision));
        Assert.Equal([2L, 1L, 0L], admitted.Select(lease => lease.Remaining));
        Assert.All(admitted, lease => Assert.Equal(TimeSpan.FromSeconds(30), lease.ResetAfter));

        var refused = await limiter.AcquireAsync(key, 3);
        Assert.Equal(QuotaDecision.Exhausted, refused.Decision);
        Assert.Equal(0, refused.Remaining);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.ResetAfter);

        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(TimeSpan.FromSeconds(10), (await limiter.AcquireAsync(key, 3)).ResetAfter);

        time.Advance(TimeSpan.FromSeconds(10));
        var nextHour = await limiter.AcquireAsync(key, 3);
        Assert.Equal(QuotaDecision.Admitted, nextHour.Decision);
        Assert.Equal(2, nextHour.Remaining);
        Assert.Equal(TimeSpan.FromHours(1), nextHour.ResetAfter);
    }

    [Fact]
    public async Task AcquireAsync_OneAtATime_CostsOneTransactionPerAdmittedRequestAndNoneOnceExhausted()
    {
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, new FakeTimeProvider(s_halfMinuteBeforeEleven));
        var limiter = harness.Get<QuotaLimiter>();
        var key = QuotaHarness.NewKeyId();

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(QuotaDecision.Admitted, (await limiter.AcquireAsync(key, 20)).Decision);
        }

        var afterAdmitted = harness.Transactions.Count;
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(QuotaDecision.Exhausted, (await limiter.AcquireAsync(key, 20)).Decision);
        }

        var afterRefused = harness.Transactions.Count - afterAdmitted;
        output.WriteLine($"Table transactions: {afterAdmitted / 20.0:F2} per admitted request, {afterRefused / 10.0:F2} per refused request after exhaustion");
        Assert.Equal(20, afterAdmitted);
        Assert.Equal(0, afterRefused);
    }

    [Fact]
    public async Task AcquireAsync_ConcurrentRequestsInOneProcess_ShareWritesAndAdmitExactlyTheLimit()
    {
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, new FakeTimeProvider(s_halfMinuteBeforeEleven));
        var limiter = harness.Get<QuotaLimiter>();
        var key = QuotaHarness.NewKeyId();

        var leases = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() => limiter.AcquireAsync(key, 60).AsTask())));

        var admitted = leases.Where(lease => lease.Decision == QuotaDecision.Admitted).ToList();
        Assert.Equal(60, admitted.Count);
        Assert.Equal(40, leases.Count(lease => lease.Decision == QuotaDecision.Exhausted));
        Assert.Equal(Enumerable.Range(0, 60).Select(i => (long)i), admitted.Select(lease => lease.Remaining).Order());
        output.WriteLine($"100 concurrent requests, limit 60: {harness.Transactions.Count} Table transactions ({harness.Transactions.Count / 60.0:F2} per admitted request)");
        Assert.True(harness.Transactions.Count <= 60, $"{harness.Transactions.Count} transactions for 60 admissions");
    }

    [Fact]
    public async Task AcquireAsync_TwoLimitersSharingTheStore_NeverAdmitMoreThanTheLimit()
    {
        var time = new FakeTimeProvider(s_halfMinuteBeforeEleven);
        using var first = new QuotaHarness(fixture.Azurite.ConnectionString, time);
        using var second = new QuotaHarness(fixture.Azurite.ConnectionString, time);
        var key = QuotaHarness.NewKeyId();

        var leases = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Task.Run(() => (i % 2 == 0 ? first : second).Get<QuotaLimiter>().AcquireAsync(key, 50).AsTask())));

        Assert.Equal(50, leases.Count(lease => lease.Decision == QuotaDecision.Admitted));
        Assert.Equal(150, leases.Count(lease => lease.Decision == QuotaDecision.Exhausted));
        var transactions = first.Transactions.Count + second.Transactions.Count;
        output.WriteLine($"200 concurrent requests over two limiters, limit 50: {transactions} Table transactions ({transactions / 50.0:F2} per admitted request)");
    }

    [Trait(Layer.Name, Layer.Slow)]
    [Fact]
    public async Task AcquireAsync_ManyNewKeysAtOnce_ShareTransactionsAndEachKeyStaysExact()
    {
        // A table prefix of its own, so that the first transaction also creates the day's table.
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, new FakeTimeProvider(s_halfMinuteBeforeEleven), new Dictionary<string, string?>
        {
            ["Proxy:Quota:TablePrefix"] = "batch" + Guid.NewGuid().ToString("N")[..12],
        });
        var limiter = harness.Get<QuotaLimiter>();
        var keys = Enumerable.Range(0, 100).Select(_ => QuotaHarness.NewKeyId()).ToArray();

        // Two requests per key, limit 1, all asked for before any write has answered (a plain loop: each call returns as
        // soon as its write is queued), so that however slowly the machine runs, the keys' inserts wait together in their
        // partitions. One call per key, as before, would be at least 100 transactions.
        var pending = keys.SelectMany(key => Enumerable.Range(0, 2).Select(_ => (Key: key, Lease: limiter.AcquireAsync(key, 1).AsTask()))).ToList();
        var leases = await Task.WhenAll(pending.Select(async request => (request.Key, Lease: await request.Lease)));

        var transactions = harness.Transactions.Count;
        output.WriteLine($"200 requests over 100 new keys asked at once, limit 1 each: {transactions} Table transactions ({transactions / 100.0:F2} per admitted request)");
        Assert.All(leases.GroupBy(request => request.Key), key =>
        {
            Assert.Equal(1, key.Count(request => request.Lease.Decision == QuotaDecision.Admitted));
            Assert.Equal(1, key.Count(request => request.Lease.Decision == QuotaDecision.Exhausted));
        });
        var stored = await Task.WhenAll(keys.Select(key => harness.Get<QuotaCounterStore>().ReadCountsAsync(key, QuotaWindow.Containing(s_halfMinuteBeforeEleven))));
        Assert.All(stored, row => Assert.Equal(1, row?.Requests));
        Assert.True(transactions < 100, $"{transactions} transactions for 100 new keys: their inserts were not batched");
    }

    [Fact]
    public async Task AcquireAsync_TwoLimitersOnManyKeys_LoseConditionsInsideBatchesAndStillAdmitExactlyTheLimit()
    {
        var time = new FakeTimeProvider(s_halfMinuteBeforeEleven);
        using var first = new QuotaHarness(fixture.Azurite.ConnectionString, time);
        using var second = new QuotaHarness(fixture.Azurite.ConnectionString, time);
        var keys = Enumerable.Range(0, 60).Select(_ => QuotaHarness.NewKeyId()).ToArray();

        // Both processes write the same keys' rows at once, so some writes in a batch lose their condition to the other's.
        var leases = await Task.WhenAll(keys.SelectMany(key => Enumerable.Range(0, 6).Select(i => (Key: key, Lease: Task.Run(() => (i % 2 == 0 ? first : second).Get<QuotaLimiter>().AcquireAsync(key, 3).AsTask()))))
            .Select(async request => (request.Key, Lease: await request.Lease)));

        Assert.All(leases.GroupBy(request => request.Key), key => Assert.Equal(3, key.Count(request => request.Lease.Decision == QuotaDecision.Admitted)));
        Assert.All(leases, request => Assert.True(request.Lease.Decision is QuotaDecision.Admitted or QuotaDecision.Exhausted, request.Lease.Decision.ToString()));
        var transactions = first.Transactions.Count + second.Transactions.Count;
        output.WriteLine($"360 concurrent requests over 60 keys and two limiters, limit 3 each: {transactions} Table transactions ({transactions / 180.0:F2} per admitted request)");
    }

    [Fact]
    public async Task AcquireAsync_LimitLoweredMidHour_RefusesTheNextRequestInEveryProcess()
    {
        var time = new FakeTimeProvider(s_halfMinuteBeforeEleven);
        using var first = new QuotaHarness(fixture.Azurite.ConnectionString, time);
        using var second = new QuotaHarness(fixture.Azurite.ConnectionString, time);
        var key = QuotaHarness.NewKeyId();
        var busy = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            Task.Run(() => (i % 2 == 0 ? first : second).Get<QuotaLimiter>().AcquireAsync(key, 1_000_000).AsTask())));

        // The tier's limit is lowered to 10: the count (60) is over it, so neither process admits another request.
        var afterLowering = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => (i % 2 == 0 ? first : second).Get<QuotaLimiter>().AcquireAsync(key, 10).AsTask())));

        Assert.All(busy, lease => Assert.Equal(QuotaDecision.Admitted, lease.Decision));
        Assert.All(afterLowering, lease => Assert.Equal(QuotaDecision.Exhausted, lease.Decision));
        Assert.All(afterLowering, lease => Assert.Equal(0, lease.Remaining));
        Assert.Equal(60, (await first.Get<QuotaCounterStore>().ReadCountsAsync(key, QuotaWindow.Containing(s_halfMinuteBeforeEleven)))?.Requests);
    }

    [Fact]
    public async Task AcquireAsync_MoreKeysThanItMayHold_ForgetsIdleOnesAndReadsThemBack()
    {
        var time = new FakeTimeProvider(s_halfMinuteBeforeEleven);
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, time, new Dictionary<string, string?> { ["Proxy:Quota:MaxKeysInMemory"] = "100" });
        var limiter = harness.Get<QuotaLimiter>();
        var keys = Enumerable.Range(0, 300).Select(_ => QuotaHarness.NewKeyId()).ToArray();

        foreach (var key in keys)
        {
            var lease = await limiter.AcquireAsync(key, 2);
            Assert.Equal(QuotaDecision.Admitted, lease.Decision);
            lease.Settle(null);
        }

        // The first keys were forgotten; asked again, each is read back and counted on from its stored count (1 of 2).
        Assert.InRange(limiter.CountersInMemory, 1, 100);
        long[] noneLeft = [0, 0, 0];
        Assert.Equal(noneLeft, await Task.WhenAll(keys.Take(3).Select(async key => (await limiter.AcquireAsync(key, 2)).Remaining)));
        Assert.Equal(QuotaDecision.Exhausted, (await limiter.AcquireAsync(keys[0], 2)).Decision);
    }

    [Trait(Layer.Name, Layer.Slow)]
    [Fact]
    public async Task AcquireAsync_BusyKeyWithALargeLimit_AdmitsFromAReserveAndGivesTheUnusedBack()
    {
        var time = new FakeTimeProvider(s_halfMinuteBeforeEleven);
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, time);
        var limiter = harness.Get<QuotaLimiter>();
        var key = QuotaHarness.NewKeyId();
        const int limit = 1_000_000;

        // A burst makes the key busy; then one request at a time, each of which would cost a write without a reserve.
        var burst = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => limiter.AcquireAsync(key, limit).AsTask())));
        var beforeSequential = harness.Transactions.Count;
        var sequential = new List<QuotaLease>();
        for (var i = 0; i < 200; i++)
        {
            sequential.Add(await limiter.AcquireAsync(key, limit));
        }

        var sequentialTransactions = harness.Transactions.Count - beforeSequential;
        var window = QuotaWindow.Containing(s_halfMinuteBeforeEleven);
        var store = harness.Get<QuotaCounterStore>();
        var storedWhileReserved = (await store.ReadCountsAsync(key, window))?.Requests;

        // Unused for the return delay: the reserve is given back, and the row holds exactly the admissions. (A top-up still
        // under way when the clock moves arms the return again, from its own landing: so the clock moves on until then.)
        await Eventually.TrueAsync(async () =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return (await store.ReadCountsAsync(key, window))?.Requests == 400;
        }, TimeSpan.FromSeconds(10), "the unused reserve given back");

        output.WriteLine($"200 concurrent then 200 one at a time, limit {limit}: {sequentialTransactions} Table transactions for the 200 one at a time; " +
            $"stored while reserved: {storedWhileReserved}, after the return delay: 400");
        Assert.All(burst.Concat(sequential), lease => Assert.Equal(QuotaDecision.Admitted, lease.Decision));
        Assert.True(storedWhileReserved > 400, $"stored {storedWhileReserved}: nothing was reserved ahead of demand");
        Assert.True(sequentialTransactions < 50, $"{sequentialTransactions} transactions for 200 requests admitted one at a time from a reserve");
    }

    [Fact]
    public async Task AcquireAsync_TwoLimitersWithReserves_NeverAdmitMoreThanTheLimit_AndTheRowEndsExact()
    {
        var time = new FakeTimeProvider(s_halfMinuteBeforeEleven);

        // The clock moves while the reserves' returns are written: a slow Azurite must not time out on it.
        var patientStore = new Dictionary<string, string?> { ["Proxy:Quota:StoreTimeout"] = "00:00:30" };
        using var first = new QuotaHarness(fixture.Azurite.ConnectionString, time, patientStore);
        using var second = new QuotaHarness(fixture.Azurite.ConnectionString, time, patientStore);
        var key = QuotaHarness.NewKeyId();
        const int limit = 2000;

        var leases = await Task.WhenAll(Enumerable.Range(0, 3000).Select(i =>
            Task.Run(() => (i % 2 == 0 ? first : second).Get<QuotaLimiter>().AcquireAsync(key, limit).AsTask())));
        var admitted = leases.Count(lease => lease.Decision == QuotaDecision.Admitted);

        var store = first.Get<QuotaCounterStore>();
        var window = QuotaWindow.Containing(s_halfMinuteBeforeEleven);
        await Eventually.TrueAsync(async () =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return (await store.ReadCountsAsync(key, window))?.Requests == admitted;
        }, TimeSpan.FromSeconds(30), "the stored count equal to the admissions once reserves are given back");

        output.WriteLine($"3000 concurrent requests over two limiters, limit {limit}: {admitted} admitted, " +
            $"{leases.Count(lease => lease.Decision == QuotaDecision.Exhausted)} refused");
        Assert.InRange(admitted, 1, limit);
        Assert.All(leases, lease => Assert.True(lease.Decision is QuotaDecision.Admitted or QuotaDecision.Exhausted, lease.Decision.ToString()));
    }

    [Fact]
    public async Task AcquireAsync_MoreNewKeysAtOnceThanAllowed_ShedsTheRestWithoutOpeningTheCircuit()
    {
        using var blackHole = new BlackHoleListener();
        var time = new FakeTimeProvider(s_halfMinuteBeforeEleven);
        using var harness = new QuotaHarness(AzuriteProcess.ConnectionStringFor(blackHole.Port), time, new Dictionary<string, string?>
        {
            ["Proxy:Quota:MaxConcurrentStoreWrites"] = "1",
            ["Proxy:Quota:MaxConcurrentNewKeys"] = "1",
            ["Proxy:Quota:StoreQueueLimit"] = "0",
        });
        var limiter = harness.Get<QuotaLimiter>();
        var circuit = harness.Get<Proxy.Storage.TableStoreCircuit>();

        // The first new key holds the one permit, waiting on a store that never answers; the second finds none.
        var waiting = limiter.AcquireAsync(QuotaHarness.NewKeyId(), 5).AsTask();
        var shed = await limiter.AcquireAsync(QuotaHarness.NewKeyId(), 5);

        Assert.Equal(QuotaDecision.Shed, shed.Decision);
        Assert.False(shed.IsAcquired);
        Assert.False(circuit.IsOpen, "a shed request is not a store failure");
        Assert.False(waiting.IsCompleted);

        // A call that timed out is not taken for an outage by itself: its request is shed too, and a probe is sent.
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(QuotaDecision.Shed, (await waiting.WaitAsync(TimeSpan.FromSeconds(30))).Decision);
        Assert.False(circuit.IsOpen, "one call that timed out is not a store that is gone");

        // Only once the probe has had its five store timeouts without an answer is the store taken for gone.
        await Eventually.TrueAsync(() =>
        {
            time.Advance(TimeSpan.FromSeconds(2));
            return Task.FromResult(circuit.IsOpen);
        }, TimeSpan.FromSeconds(30), "the circuit opened by the probe that got no answer");
    }

    [Fact]
    public async Task AcquireAsync_TierWithoutLimit_CountsNothing()
    {
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, new FakeTimeProvider(s_halfMinuteBeforeEleven));

        var lease = await harness.Get<QuotaLimiter>().AcquireAsync(QuotaHarness.NewKeyId(), limit: null);

        Assert.Equal(QuotaDecision.Unlimited, lease.Decision);
        Assert.Equal(0, harness.Transactions.Count);
    }
}
