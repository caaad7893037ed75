using System.Diagnostics;
using System.Diagnostics.Metrics;
using Proxy.Errors;
using Proxy.Failures;
using Proxy.Quota;
using Proxy.Requests;
using Proxy.Storage;

namespace Proxy.Telemetry;

/// <summary>
/// The proxy's instruments, on one <see cref="Meter"/> named <see cref="MeterName"/>: the hosts' OpenTelemetry SDK
/// exports them (Prometheus on the standalone host, Azure Monitor from the Functions app). Names are under
/// <c>proxy.</c>, units and attribute names follow OpenTelemetry's semantic conventions where they have one. With no
/// exporter listening, a measurement costs a check and nothing else.
/// </summary>
public sealed class ProxyMetrics
{
    public const string MeterName = "Proxy";

    // OpenTelemetry's advice for generative-AI durations (gen_ai.client.operation.duration), which fits an AI upstream's
    // answers from a cached reply to a long completion, and for its time to first token.
    private static readonly double[] s_durationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    private static readonly double[] s_firstByteBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly Counter<long> _requests;
    private readonly Counter<long> _quotaDecisions;
    private readonly Histogram<double> _upstreamDuration;
    private readonly Histogram<double> _upstreamFirstByte;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _bookkeepingFaults;

    public ProxyMetrics(IMeterFactory meterFactory, FailureReporter failures, TableStoreCircuit circuit)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("proxy.requests", "{request}",
            "Requests the proxy answered, by status and, for a failure, its kind (error.type).");
        _quotaDecisions = meter.CreateCounter<long>("proxy.quota.decisions", "{request}",
            "What the quota answered for each request that reached it (proxy.quota.decision).");
        _upstreamDuration = meter.CreateHistogram("proxy.upstream.duration", "s",
            "From sending a request upstream to the last byte of its answer copied to the client.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });
        _upstreamFirstByte = meter.CreateHistogram("proxy.upstream.time_to_first_byte", "s",
            "From sending a request upstream to the upstream's response headers.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_firstByteBuckets });
        _tokens = meter.CreateCounter<long>("proxy.tokens", "{token}",
            "Tokens the upstream reported in its answers' usage, by gen_ai.token.type (input: prompt, output: completion).");
        _bookkeepingFaults = meter.CreateCounter<long>("proxy.bookkeeping.faults", "{fault}",
            "Steps of a request's bookkeeping (proxy.bookkeeping.step) that failed inside the proxy and were left out; the answer and the other steps went ahead.");
        meter.CreateObservableGauge("proxy.failures.buffered", () => failures.Pending, "{record}",
            "Failure records in memory, waiting to be put on the queue.");
        meter.CreateObservableCounter("proxy.failures.dropped", () => failures.Dropped, "{record}",
            "Failure records dropped because the buffer was full (Proxy__Failures__BufferCapacity).");
        meter.CreateObservableGauge("proxy.quota.circuit.state", () => circuit.IsOpen ? 1 : 0, "{state}",
            "The Table storage circuit: 1 while it is open (requests go to Proxy__Quota__FailureMode), 0 while closed.");
    }

    /// <summary>One answered request: its status as the client got it, and its failure's kind if it failed.</summary>
    internal void RequestAnswered(int statusCode, FailureKind? failure)
    {
        if (!_requests.Enabled)
        {
            return;
        }

        var tags = new TagList { { MetricTagValues.StatusCode, MetricTagValues.Status(statusCode) } };
        if (failure is { } kind)
        {
            tags.Add(MetricTagValues.ErrorType, MetricTagValues.Kind(kind));
        }

        _requests.Add(1, tags);
    }

    /// <summary>The tokens an answer's <c>usage</c> reported, where the proxy could read them (see the usage ledger).</summary>
    internal void TokensUsed(long? promptTokens, long? completionTokens)
    {
        if (promptTokens is > 0)
        {
            _tokens.Add(promptTokens.Value, new KeyValuePair<string, object?>(MetricTagValues.TokenType, MetricTagValues.InputTokens));
        }

        if (completionTokens is > 0)
        {
            _tokens.Add(completionTokens.Value, new KeyValuePair<string, object?>(MetricTagValues.TokenType, MetricTagValues.OutputTokens));
        }
    }

    internal void BookkeepingFaulted(BookkeepingStep step) =>
        _bookkeepingFaults.Add(1, new KeyValuePair<string, object?>(MetricTagValues.BookkeepingStep, MetricTagValues.Step(step)));

    internal void QuotaDecided(QuotaDecision decision) =>
        _quotaDecisions.Add(1, new KeyValuePair<string, object?>(MetricTagValues.QuotaDecision, MetricTagValues.Decision(decision)));

    internal void UpstreamFirstByte(TimeSpan elapsed, int statusCode) =>
        _upstreamFirstByte.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(MetricTagValues.StatusCode, MetricTagValues.Status(statusCode)));

    /// <summary>An upstream exchange that ended: the upstream's status if it answered, and the failure if there was one.</summary>
    internal void UpstreamCompleted(TimeSpan elapsed, int? statusCode, FailureKind? failure)
    {
        if (!_upstreamDuration.Enabled)
        {
            return;
        }

        var tags = default(TagList);
        if (statusCode is { } status)
        {
            tags.Add(MetricTagValues.StatusCode, MetricTagValues.Status(status));
        }

        if (failure is { } kind)
        {
            tags.Add(MetricTagValues.ErrorType, MetricTagValues.Kind(kind));
        }

        _upstreamDuration.Record(elapsed.TotalSeconds, tags);
    }
}
