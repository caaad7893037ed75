using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Failures;

namespace Proxy.Tests.Failures;

/// <summary>
/// The rule for keyed failures: per key, kind and status, the first few of an aggregation interval are records of
/// their own, the rest are counted with the first and last of them, and nothing is counted twice.
/// </summary>
public sealed class RepeatedFailuresTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 6, 9, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(s_start);

    private static FailureRecord Failure(string keyId, string kind = "quota_exceeded", int statusCode = 429) => new()
    {
        RequestId = Guid.NewGuid().ToString(),
        Timestamp = "2026-12-06T09:00:00.000Z",
        Method = "POST",
        Path = "/v1/chat/completions",
        StatusCode = statusCode,
        Kind = kind,
        Source = "proxy",
        Message = "Free-tier limit",
        KeyId = keyId,
        Tier = "free",
    };

    [Fact]
    public void TryRecord_BeyondTheRecordsOfTheInterval_CountsWithTheFirstAndLastTime()
    {
        var repeated = new RepeatedFailures(recordsPerInterval: 3, maxTracked: 100, _clock);

        var recorded = Enumerable.Range(0, 3).Select(_ => repeated.TryRecord(Failure("aaaaaaaaaaaa"))).ToList();
        _clock.Advance(TimeSpan.FromSeconds(1));
        var counted = new List<bool>();
        for (var i = 0; i < 5; i++)
        {
            counted.Add(repeated.TryRecord(Failure("aaaaaaaaaaaa")));
            _clock.Advance(TimeSpan.FromSeconds(2));
        }

        Assert.All(recorded, Assert.True);
        Assert.All(counted, Assert.False);
        var count = Assert.Single(repeated.Close());
        Assert.Equal(new RepeatedFailureCount("aaaaaaaaaaaa", "free", "quota_exceeded", 429, 5, s_start.AddSeconds(1), s_start.AddSeconds(9)), count);
    }

    [Fact]
    public void TryRecord_OtherKeysKindsAndStatuses_HaveRecordsOfTheirOwn()
    {
        var repeated = new RepeatedFailures(recordsPerInterval: 2, maxTracked: 100, _clock);
        for (var i = 0; i < 1000; i++)
        {
            repeated.TryRecord(Failure("aaaaaaaaaaaa"));
        }

        Assert.True(repeated.TryRecord(Failure("bbbbbbbbbbbb")));
        Assert.True(repeated.TryRecord(Failure("aaaaaaaaaaaa", "upstream_error", 503)));
        Assert.True(repeated.TryRecord(Failure("aaaaaaaaaaaa", "quota_exceeded", 403)));
        Assert.True(repeated.TryRecord(Failure("bbbbbbbbbbbb")));
        Assert.False(repeated.TryRecord(Failure("bbbbbbbbbbbb")));
        Assert.Equal([("aaaaaaaaaaaa", 998L), ("bbbbbbbbbbbb", 1L)], repeated.Close().Select(count => (count.KeyId, count.Count)).Order());
    }

    [Fact]
    public void Close_StartsTheNextIntervalWithItsOwnRecords_AndCountsNothingTwice()
    {
        var repeated = new RepeatedFailures(recordsPerInterval: 2, maxTracked: 100, _clock);
        for (var i = 0; i < 10; i++)
        {
            repeated.TryRecord(Failure("aaaaaaaaaaaa"));
        }

        Assert.Equal(8, Assert.Single(repeated.Close()).Count);
        Assert.Empty(repeated.Close());
        Assert.Equal([true, true, false], Enumerable.Range(0, 3).Select(_ => repeated.TryRecord(Failure("aaaaaaaaaaaa"))));
        Assert.Equal(1, Assert.Single(repeated.Close()).Count);
    }

    [Fact]
    public void TryRecord_MoreKeysThanItFollows_RecordsTheNewOnesUntracked()
    {
        var repeated = new RepeatedFailures(recordsPerInterval: 1, maxTracked: 2, _clock);
        repeated.TryRecord(Failure("aaaaaaaaaaaa"));
        repeated.TryRecord(Failure("bbbbbbbbbbbb"));

        Assert.Equal([true, true, true], Enumerable.Range(0, 3).Select(_ => repeated.TryRecord(Failure("cccccccccccc"))));
        Assert.False(repeated.TryRecord(Failure("aaaaaaaaaaaa")));
        Assert.Equal("aaaaaaaaaaaa", Assert.Single(repeated.Close()).KeyId);
    }

    [Fact]
    public void Report_AFloodOfOneKeysRefusals_LeavesTheKeyedShareTheRoomOfOtherClientsFailures()
    {
        var options = Options.Create(new FailureOptions { BufferCapacity = 30, KeyedRecordsPerInterval = 20 });
        var reporter = new FailureReporter(options, _clock, NullLogger<FailureReporter>.Instance);

        for (var i = 0; i < 10_000; i++)
        {
            reporter.Report(Failure("aaaaaaaaaaaa"));
        }

        var others = Enumerable.Range(0, 3).Select(_ => Failure("bbbbbbbbbbbb", "upstream_error", 503)).ToList();
        others.ForEach(reporter.Report);

        Assert.Equal(0, reporter.Dropped);
        Assert.Equal(23, reporter.Pending);
        var buffered = new List<FailureRecord>();
        while (reporter.Keyed.TryRead(out var record))
        {
            buffered.Add(record);
        }

        Assert.All(others, other => Assert.Contains(other, buffered));
        Assert.Equal(10_000 - 20, Assert.Single(reporter.Repeated.Close()).Count);
    }

    [Fact]
    public void Aggregated_OfOneKeysCount_IsAnAggregatedRecordOfThatKeyFromTheFirstToTheLastFailure()
    {
        var count = new RepeatedFailureCount("aaaaaaaaaaaa", "free", "quota_exceeded", 429, 11_975, s_start, s_start.AddSeconds(4.5));

        var record = FailureRecordFactory.Aggregated(count);

        Assert.Equal(
            (FailureRecord.AggregatedKind, 0, "proxy", "aaaaaaaaaaaa", "free", 11_975L, "2026-12-06T09:00:00.000Z", "2026-12-06T09:00:04.500Z"),
            (record.Kind, record.StatusCode, record.Source, record.KeyId, record.Tier, record.Count, record.Since, record.Timestamp));
        Assert.Equal([new FailureCount("quota_exceeded", 429, 11_975)], record.Counts!);
        Assert.Equal((string.Empty, string.Empty), (record.Method, record.Path));
    }

    [Fact]
    public void AnonymousAggregate_IsStampedWithItsLastFailure_AndSinceItsFirst()
    {
        var aggregate = new FailureAggregate(_clock);
        aggregate.Add("not_found", 404);
        _clock.Advance(TimeSpan.FromSeconds(3));
        aggregate.Add("not_found", 404);
        _clock.Advance(TimeSpan.FromSeconds(7));

        Assert.True(aggregate.TryClose(out var total, out var since, out var last, out _));
        var record = FailureRecordFactory.Aggregated(total, since, last, [new FailureCount("not_found", 404, total)]);

        Assert.Equal((2L, "2026-12-06T09:00:00.000Z", "2026-12-06T09:00:03.000Z"), (record.Count, record.Since, record.Timestamp));
        Assert.Null(record.KeyId);
    }
}
