using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy.Errors;

namespace Proxy.Failures;

/// <summary>
/// The one place a failure is reported: a structured log event at once, and the record into a bounded in-memory
/// buffer that <see cref="FailureQueueSender"/> empties onto the queue. Reporting never waits and never fails a
/// response. The buffer has two shares: one for failures of requests with an accepted key, and a
/// smaller one for the rest (no key, refused before the key was read, or an unknown key), which anyone can make in any
/// number. What finds the keyed share full is dropped, counted and logged; what finds the other share full is counted
/// by kind and status in <see cref="FailureAggregate"/>, which the sender puts on the queue as one aggregated record.
/// So a flood without a key costs the keyed failures nothing, and every failure is still counted exactly. A keyed
/// failure is recorded only while its key, kind and status have had fewer than
/// <see cref="FailureOptions.KeyedRecordsPerInterval"/> records in the interval; beyond, it is counted in
/// <see cref="RepeatedFailures"/>, which the sender puts on the queue as one aggregated record per key, kind and status.
/// So one key failing the same way at any rate (a used-up key's 429s) cannot fill the keyed share either.
/// </summary>
public sealed class FailureReporter
{
    private static readonly string s_unauthorized = FailureKindNames.Of(FailureKind.Unauthorized);
    private static readonly string s_overloaded = FailureKindNames.Of(FailureKind.Overloaded);

    private readonly Channel<FailureRecord> _keyed;
    private readonly Channel<FailureRecord> _anonymous;
    private readonly int _capacity;
    private readonly ILogger<FailureReporter> _logger;
    private long _dropped;

    public FailureReporter(IOptions<FailureOptions> options, TimeProvider timeProvider, ILogger<FailureReporter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _capacity = options.Value.BufferCapacity;
        _logger = logger;
        _keyed = Channel.CreateBounded<FailureRecord>(new BoundedChannelOptions(_capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        _anonymous = Channel.CreateBounded<FailureRecord>(
            new BoundedChannelOptions(options.Value.AnonymousBufferCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        Aggregate = new FailureAggregate(timeProvider);
        Repeated = new RepeatedFailures(options.Value.KeyedRecordsPerInterval, _capacity, timeProvider);
    }

    /// <summary>Keyed records dropped because their share of the buffer was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Records waiting to be sent.</summary>
    public int Pending => _keyed.Reader.Count + _anonymous.Reader.Count;

    /// <summary>Failures of requests with an accepted key: read first.</summary>
    internal ChannelReader<FailureRecord> Keyed => _keyed.Reader;

    internal ChannelReader<FailureRecord> Anonymous => _anonymous.Reader;

    internal FailureAggregate Aggregate { get; }

    internal RepeatedFailures Repeated { get; }

    public void Report(FailureRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!HasAcceptedKey(record))
        {
            // TryWrite on a full bounded channel in Wait mode returns false at once instead of waiting.
            if (_anonymous.Writer.TryWrite(record))
            {
                Log(record);
            }
            else
            {
                // Neither a record nor a log line each: the aggregated record and its log event carry the count.
                Aggregate.Add(record.Kind, record.StatusCode);
            }

            return;
        }

        if (!Repeated.TryRecord(record))
        {
            // Counted: the aggregated record and its log event carry it, as for the anonymous ones.
            return;
        }

        Log(record);
        if (!_keyed.Writer.TryWrite(record))
        {
            var dropped = Interlocked.Increment(ref _dropped);
            if (dropped == 1 || dropped % 1000 == 0)
            {
                FailureLog.Dropped(_logger, _capacity, dropped);
            }
        }
    }

    /// <summary>
    /// An unknown key is anyone's to invent, so its 401 is no more attributable than a request without one; nor is a
    /// request shed before its key could be counted (<c>overloaded</c>), which is what a burst of made-up keys gets.
    /// </summary>
    private static bool HasAcceptedKey(FailureRecord record) =>
        record.KeyId is not null && record.Kind != s_unauthorized && record.Kind != s_overloaded;

    private void Log(FailureRecord record) =>
        FailureLog.Failure(_logger, record.Kind, record.StatusCode, record.Source, record.RequestId, record.Method, record.Path,
            record.KeyId, record.Tier, record.Model, record.UpstreamStatusCode, record.UpstreamRequestId, record.DurationMs, record.Message);
}
