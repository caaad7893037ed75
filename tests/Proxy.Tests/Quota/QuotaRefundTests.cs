using Microsoft.Extensions.Time.Testing;
using Proxy.Errors;
using Proxy.Quota;
using Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Proxy.Tests.Quota;

/// <summary>
/// A failure that is not the client's fault gives its unit back, against a real Azurite: what is refunded and
/// what is not, what a refund costs in Table transactions, and when another process sees it.
/// </summary>
public sealed class QuotaRefundTests(InProcessFixture fixture, ITestOutputHelper output) : IClassFixture<InProcessFixture>
{
    private static readonly DateTimeOffset s_quarterPastTen = new(2031, 5, 4, 10, 15, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_recheckInterval = new QuotaOptions().ExhaustedRecheckInterval;

    public static TheoryData<string, int> NotTheClientsFault => new()
    {
        { nameof(FailureKind.UpstreamError), 500 },
        { nameof(FailureKind.UpstreamError), 503 },
        { nameof(FailureKind.UpstreamError), 429 },
        { nameof(FailureKind.UpstreamUnreachable), 502 },
        { nameof(FailureKind.UpstreamTimeout), 504 },
        { nameof(FailureKind.Internal), 500 },
    };

    public static TheoryData<string, int> TheClientsOwn => new()
    {
        { nameof(FailureKind.UpstreamError), 400 },
        { nameof(FailureKind.UpstreamError), 404 },
        { nameof(FailureKind.ClientAborted), 499 },
        { nameof(FailureKind.StreamError), 200 },
    };

    [Theory]
    [MemberData(nameof(NotTheClientsFault))]
    public async Task Settle_FailureNotTheClientsFault_GivesTheUnitBackForOneTransaction(string kind, int status)
    {
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, new FakeTimeProvider(s_quarterPastTen));
        var limiter = harness.Get<QuotaLimiter>();
        var key = QuotaHarness.NewKeyId();
        await limiter.AcquireAsync(key, 2);
        var failed = await limiter.AcquireAsync(key, 2);
        Assert.Equal(0, failed.Remaining);
        var beforeRefund = harness.Transactions.Count;

        failed.Settle(Error(kind, status));
        failed.Settle(Error(kind, status));

        await QuietAsync(limiter);
        Assert.Equal(1, harness.Transactions.Count - beforeRefund);
        var stored = await harness.Get<QuotaCounterStore>().ReadCountsAsync(key, QuotaWindow.Containing(s_quarterPastTen));
        Assert.Equal(1, stored?.Requests);
        var again = await limiter.AcquireAsync(key, 2);
        Assert.Equal(QuotaDecision.Admitted, again.Decision);
        Assert.Equal(0, again.Remaining);
        Assert.Equal(QuotaDecision.Exhausted, (await limiter.AcquireAsync(key, 2)).Decision);
    }

    [Theory]
    [MemberData(nameof(TheClientsOwn))]
    public async Task Settle_SuccessOrTheClientsOwnFailure_KeepsTheUnitCountedForNoTransaction(string kind, int status)
    {
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, new FakeTimeProvider(s_quarterPastTen));
        var limiter = harness.Get<QuotaLimiter>();
        var key = QuotaHarness.NewKeyId();
        var succeeded = await limiter.AcquireAsync(key, 2);
        var failed = await limiter.AcquireAsync(key, 2);
        var beforeSettling = harness.Transactions.Count;

        succeeded.Settle(null);
        failed.Settle(Error(kind, status));

        // The round that answered the second request may still be winding down when its answer arrives.
        await QuietAsync(limiter);
        Assert.Equal(beforeSettling, harness.Transactions.Count);
        Assert.Equal(QuotaDecision.Exhausted, (await limiter.AcquireAsync(key, 2)).Decision);
    }

    [Fact]
    public async Task Settle_RefundWhoseAnswerWasLost_IsGivenBackOnceWhenTheRetryFindsItApplied()
    {
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, new FakeTimeProvider(s_quarterPastTen));
        var limiter = harness.Get<QuotaLimiter>();
        var key = QuotaHarness.NewKeyId();
        const int limit = 4;
        var leases = new List<QuotaLease>();
        for (var i = 0; i < limit - 1; i++)
        {
            leases.Add(await limiter.AcquireAsync(key, limit));
        }

        // The store applies the write, its answer is lost, and the SDK sends it again: the retry finds its condition gone,
        // because the first one landed. Taken for another writer's, the refund would be written again, a unit given twice.
        harness.LostAnswers.LoseNextAnswers(1);
        leases[0].Settle(Error(nameof(FailureKind.UpstreamError), 503));
        var window = QuotaWindow.Containing(s_quarterPastTen);
        var store = harness.Get<QuotaCounterStore>();
        await QuietAsync(limiter);

        // Three counted, one given back: two more fit in the limit of four, and no third.
        var after = new List<QuotaDecision>();
        for (var i = 0; i < 3; i++)
        {
            after.Add((await limiter.AcquireAsync(key, limit)).Decision);
        }

        var stored = (await store.ReadCountsAsync(key, window))?.Requests;
        output.WriteLine($"After {limit - 1} admissions and one refund whose answer was lost: {string.Join(", ", after)}; stored {stored}");
        Assert.Equal([QuotaDecision.Admitted, QuotaDecision.Admitted, QuotaDecision.Exhausted], after);
        Assert.Equal(limit, stored);
    }

    [Fact]
    public async Task Settle_RefundInAnotherProcess_IsSeenOnceTheRecheckIntervalHasPassed()
    {
        var time = new FakeTimeProvider(s_quarterPastTen);
        using var first = new QuotaHarness(fixture.Azurite.ConnectionString, time);
        using var second = new QuotaHarness(fixture.Azurite.ConnectionString, time);
        var key = QuotaHarness.NewKeyId();
        var failing = await first.Get<QuotaLimiter>().AcquireAsync(key, 1);
        Assert.Equal(QuotaDecision.Exhausted, (await second.Get<QuotaLimiter>().AcquireAsync(key, 1)).Decision);

        failing.Settle(Error(nameof(FailureKind.UpstreamError), 503));
        await QuietAsync(first.Get<QuotaLimiter>());

        // Inside the interval the second process still answers from what it knew, without a storage call.
        var secondBefore = second.Transactions.Count;
        time.Advance(s_recheckInterval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(QuotaDecision.Exhausted, (await second.Get<QuotaLimiter>().AcquireAsync(key, 1)).Decision);
        Assert.Equal(secondBefore, second.Transactions.Count);

        time.Advance(TimeSpan.FromMilliseconds(1));
        var admitted = await second.Get<QuotaLimiter>().AcquireAsync(key, 1);
        output.WriteLine($"A refund in one process is seen by another within {s_recheckInterval.TotalSeconds} s (Proxy__Quota__ExhaustedRecheckInterval); " +
            $"seeing it cost {second.Transactions.Count - secondBefore} transactions (a read, then the admission's write)");
        Assert.Equal(QuotaDecision.Admitted, admitted.Decision);
        Assert.Equal(2, second.Transactions.Count - secondBefore);
    }

    [Fact]
    public async Task AcquireAsync_ExhaustedAndRefusedAgainAndAgain_ReadsAtMostOncePerRecheckInterval()
    {
        var time = new FakeTimeProvider(s_quarterPastTen);
        using var harness = new QuotaHarness(fixture.Azurite.ConnectionString, time);
        var limiter = harness.Get<QuotaLimiter>();
        var key = QuotaHarness.NewKeyId();
        await limiter.AcquireAsync(key, 1);
        var afterAdmitted = harness.Transactions.Count;

        for (var second = 0; second < 20; second++)
        {
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal(QuotaDecision.Exhausted, (await limiter.AcquireAsync(key, 1)).Decision);
            }

            time.Advance(TimeSpan.FromSeconds(1));
        }

        var reads = harness.Transactions.Count - afterAdmitted;
        output.WriteLine($"200 refusals over 20 s of a used-up key: {reads} Table transactions ({reads / 200.0:F3} per refusal; recheck every {s_recheckInterval.TotalSeconds} s)");
        Assert.InRange(reads, 1, (int)(TimeSpan.FromSeconds(20) / s_recheckInterval));
    }

    [Fact]
    public async Task AcquireAsync_TwoLimitersWithAThirdFailing_LetExactlyTheLimitSucceed()
    {
        const int Limit = 50;
        var time = new FakeTimeProvider(s_quarterPastTen);
        using var first = new QuotaHarness(fixture.Azurite.ConnectionString, time);
        using var second = new QuotaHarness(fixture.Azurite.ConnectionString, time);
        var limiters = new[] { first.Get<QuotaLimiter>(), second.Get<QuotaLimiter>() };
        var key = QuotaHarness.NewKeyId();
        var successes = 0;
        var failures = 0;

        async Task CallAsync(int i)
        {
            var lease = await limiters[i % 2].AcquireAsync(key, Limit);
            if (lease.Decision != QuotaDecision.Admitted)
            {
                return;
            }

            await Task.Yield();
            if (i % 3 == 0)
            {
                Interlocked.Increment(ref failures);
                lease.Settle(Error(nameof(FailureKind.UpstreamError), 500));
            }
            else
            {
                Interlocked.Increment(ref successes);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => CallAsync(i))));
        var afterBurst = successes;

        // Callers come back for what the refunds gave back; once both processes have read again, the hour is used up exactly.
        // The clock moves only once the refunds' writes are done, so that none of them times out on the moved clock.
        await QuietAsync(limiters);
        time.Advance(s_recheckInterval);
        for (var i = 0; successes < Limit + 1 && i < 400; i++)
        {
            await CallAsync((i * 3) + 1);
        }

        await QuietAsync(limiters);
        time.Advance(s_recheckInterval);
        var refusedAtTheEnd = await Task.WhenAll(limiters.Select(limiter => limiter.AcquireAsync(key, Limit).AsTask()));
        output.WriteLine($"200 concurrent calls over two limiters, a third failing, limit {Limit}: {afterBurst} succeeded in the burst, {failures} failed and were refunded; " +
            $"{successes} succeeded in all");
        Assert.Equal(Limit, successes);
        Assert.All(refusedAtTheEnd, lease => Assert.Equal(QuotaDecision.Exhausted, lease.Decision));
        Assert.Equal(Limit, (await first.Get<QuotaCounterStore>().ReadCountsAsync(key, QuotaWindow.Containing(s_quarterPastTen)))?.Requests);
    }

    /// <summary>Waits until the limiters have nothing left to write: their refunds have landed.</summary>
    private static Task QuietAsync(params QuotaLimiter[] limiters) =>
        Eventually.TrueAsync(() => Task.FromResult(limiters.All(limiter => limiter.IsQuiet)), TimeSpan.FromSeconds(30), "every refund written");

    private static ProxyError Error(string kind, int status) => new(Enum.Parse<FailureKind>(kind), status, "failed", "type", null);
}
