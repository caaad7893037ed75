using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy.Quota;
using Proxy.Requests;

namespace Proxy.Usage;

/// <summary>
/// This process's usage per key and UTC hour, in memory: the request path only adds to a tally, and
/// <see cref="UsageFlushService"/> writes the totals in the background. At most <see cref="UsageOptions.MaxKeyHours"/>
/// key-hours are held; a request for one more is not counted here, only counted and logged.
/// </summary>
internal sealed class UsageLedger(IOptions<UsageOptions> options, TimeProvider timeProvider, ILogger<UsageLedger> logger)
{
    private readonly ConcurrentDictionary<(string KeyId, DateTimeOffset Hour), UsageTally> _tallies = new();
    private readonly bool _enabled = options.Value.Enabled;
    private readonly int _capacity = options.Value.MaxKeyHours;
    private int _held;
    private long _uncounted;

    /// <summary>
    /// This process's part of every row it writes: random, so two processes never share a row and never need to
    /// coordinate (a restarted process is a new instance with rows of its own).
    /// </summary>
    public string InstanceId { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>A request the handler finished, once its answer is complete; only requests with an accepted key are counted.</summary>
    public void Record(HttpContext context, ProxyRequestFeature request)
    {
        if (!_enabled || request.KeyId is not { } keyId || request.QuotaLease is null)
        {
            return;
        }

        Record(new UsageOutcome(
            keyId,
            timeProvider.GetUtcNow(),
            UsageClassifier.Classify(request.Error, request.AnsweredStatusCode(context), request.StreamFailed),
            request.PromptTokens ?? 0,
            request.CompletionTokens ?? 0,
            request.RequestBodyBytes(context) ?? 0,
            request.ResponseBodyBytes(context) ?? 0,
            (long)timeProvider.GetElapsedTime(request.StartTimestamp).TotalMilliseconds));
    }

    public void Record(in UsageOutcome outcome)
    {
        var id = (outcome.KeyId, QuotaWindow.Containing(outcome.At).Start);
        if (!_tallies.TryGetValue(id, out var tally))
        {
            if (Interlocked.Increment(ref _held) > _capacity)
            {
                Interlocked.Decrement(ref _held);
                var uncounted = Interlocked.Increment(ref _uncounted);
                if (uncounted == 1 || uncounted % 1000 == 0)
                {
                    UsageLog.Full(logger, _capacity, uncounted);
                }

                return;
            }

            var created = new UsageTally(id.KeyId, id.Item2);
            tally = _tallies.GetOrAdd(id, created);
            if (!ReferenceEquals(tally, created))
            {
                Interlocked.Decrement(ref _held);
            }
        }

        tally.Add(outcome);
    }

    /// <summary>The tallies whose totals changed since their last write.</summary>
    public List<(UsageTally Tally, UsageHour Totals, long Version)> TakeChanged()
    {
        var changed = new List<(UsageTally, UsageHour, long)>();
        foreach (var tally in _tallies.Values)
        {
            if (tally.TryTakeChanged(out var totals, out var version))
            {
                changed.Add((tally, totals, version));
            }
        }

        return changed;
    }

    /// <summary>
    /// Drops the tallies of hours that have ended and are written. A request adds to the hour it ends in, so nothing adds
    /// to an ended hour after the flush that follows it, which runs a whole interval later.
    /// </summary>
    public void DropWrittenPastHours()
    {
        var current = QuotaWindow.Containing(timeProvider.GetUtcNow()).Start;
        foreach (var (id, tally) in _tallies)
        {
            if (id.Hour < current && tally.IsFlushed && _tallies.TryRemove(new KeyValuePair<(string, DateTimeOffset), UsageTally>(id, tally)))
            {
                Interlocked.Decrement(ref _held);
            }
        }
    }
}
