using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Proxy.Failures;

/// <summary>
/// The one place a failure is reported: a structured log event at once, and the record into a bounded
/// in-memory buffer that <see cref="FailureQueueSender"/> empties onto the queue. Reporting never waits and
/// never fails a response; what the bound has to drop is counted and logged.
/// </summary>
public sealed class FailureReporter
{
    private readonly Channel<FailureRecord> _buffer;
    private readonly int _capacity;
    private readonly ILogger<FailureReporter> _logger;
    private long _dropped;

    public FailureReporter(IOptions<FailureOptions> options, ILogger<FailureReporter> logger)
    {
        _capacity = options.Value.BufferCapacity;
        _logger = logger;
        _buffer = Channel.CreateBounded<FailureRecord>(new BoundedChannelOptions(_capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    /// <summary>Records dropped because the buffer was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Records waiting to be sent.</summary>
    public int Pending => _buffer.Reader.Count;

    internal ChannelReader<FailureRecord> Reader => _buffer.Reader;

    public void Report(FailureRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        FailureLog.Failure(_logger, record.Kind, record.StatusCode, record.Source, record.RequestId, record.Method, record.Path,
            record.KeyId, record.Tier, record.Model, record.UpstreamStatusCode, record.UpstreamRequestId, record.DurationMs, record.Message);

        // TryWrite on a full bounded channel in Wait mode returns false at once instead of waiting.
        if (!_buffer.Writer.TryWrite(record))
        {
            var dropped = Interlocked.Increment(ref _dropped);
            if (dropped == 1 || dropped % 1000 == 0)
            {
                FailureLog.Dropped(_logger, _capacity, dropped);
            }
        }
    }
}
