using Microsoft.Extensions.Time.Testing;
using Proxy.Quota;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Quota;

/// <summary>The limiter against a real Azurite: exact counts, the hour as the window, and what each answer costs in storage calls.</summary>
[Collection(OnStandaloneHost.Name)]
public sealed class QuotaLimiterTests(StandaloneHostFixture fixture, ITestOutputHelper output)
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
        Assert.InRange(afterAdmitted, 1, 20);
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

        // Only the store call that really timed out opens the circuit.
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(QuotaDecision.StoreUnavailable, (await waiting.WaitAsync(TimeSpan.FromSeconds(30))).Decision);
        Assert.True(circuit.IsOpen);
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
