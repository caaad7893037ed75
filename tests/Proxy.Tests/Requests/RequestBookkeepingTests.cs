using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Proxy.Auth;
using Proxy.Requests;
using Proxy.Telemetry;
using Proxy.Tests.Infrastructure;
using Proxy.Usage;

namespace Proxy.Tests.Requests;

/// <summary>
/// A request's bookkeeping is done step by step, each whatever the others did: with a fault put in any one step, a failed
/// request still gets its documented answer, and its failure record, refund, usage, access line and metrics all happen
/// but that one, whose fault is one log line without the fault's text, and one count in a metric.
/// </summary>
public sealed class RequestBookkeepingTests(InProcessFixture fixture) : IClassFixture<InProcessFixture>
{
    private const string FaultText = "sk-fault-text-never-shown";
    private const string FailingPath = "/v1/errors/aimlapi/503";

    public static TheoryData<string> Steps => new(Enum.GetNames<BookkeepingStep>());

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task AFaultInOneStep_LeavesTheAnswerAndEveryOtherStep(string faulty)
    {
        var step = Enum.Parse<BookkeepingStep>(faulty);
        await using var proxy = await fixture.StartProxyWithServicesAsync(fixture.Upstream.BaseAddress,
            services => services.Replace(ServiceDescriptor.Singleton<RequestBookkeeping>(provider => new FaultyBookkeeping(step,
                provider.GetRequiredService<ILogger<RequestBookkeeping>>(), provider.GetRequiredService<ProxyMetrics>()))),
            ("Proxy__Quota__FreeRequestsPerHour", "5"), ("Proxy__Usage__FlushInterval", "01:00:00"));
        using var measurements = new ProxyMeasurements(proxy.Services.GetRequiredService<IMeterFactory>());
        var key = "sk-bookkeeping-" + Guid.NewGuid().ToString("N");
        using var client = ProxyFixture.ClientFor(proxy, withKey: false);
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);

        using var failed = await client.PostAsync(FailingPath, new StringContent("{\"model\":\"gpt-4o\"}", Encoding.UTF8, "application/json"));
        using var next = await client.GetAsync("/v1/echo");

        // The answer is the documented one whatever failed behind it.
        await ErrorBodyAssert.MatchesAsync(failed, 503, FailingPath, "");
        var requestId = Assert.Single(failed.Headers.GetValues("x-request-id"));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);

        // Every step but the faulty one happened.
        var remaining = int.Parse(Assert.Single(next.Headers.GetValues("X-RateLimit-Remaining")), CultureInfo.InvariantCulture);
        Assert.Equal(step == BookkeepingStep.Refund ? 3 : 4, remaining);
        if (step != BookkeepingStep.FailureRecord)
        {
            Assert.Equal("upstream_error", (await fixture.Failures.WaitForAsync(requestId)).Kind);
        }

        Assert.Equal(step != BookkeepingStep.AccessLine, LogLines.Find(proxy, "[1200]", requestId) is not null);
        var keyId = ApiKeyHash.Of(key);
        var usage = proxy.Services.GetRequiredService<UsageLedger>().TakeChanged().Where(changed => changed.Tally.KeyId == keyId).Select(changed => changed.Totals).SingleOrDefault();
        Assert.Equal(step == BookkeepingStep.Usage ? 1 : 2, usage?.Requests ?? 0);
        Assert.Equal(step == BookkeepingStep.Metrics ? 0 : 1, measurements.Count("proxy.requests", ("http.response.status_code", 503)));

        // The fault: one line naming the step, nothing of the fault itself, and one count.
        var stepName = MetricTagValues.Step(step);
        var faultLines = proxy.Output.Where(line => line.Contains("step failed", StringComparison.Ordinal)).ToList();
        Assert.Equal($"Request {requestId}: the proxy's {stepName} step failed and was left out; the answer and the request's other bookkeeping went ahead",
            Assert.Single(faultLines)[(faultLines[0].IndexOf("Request ", StringComparison.Ordinal))..]);
        Assert.DoesNotContain(proxy.Output, line => line.Contains(FaultText, StringComparison.Ordinal) || line.Contains("Exception", StringComparison.Ordinal));
        Assert.Equal(1, measurements.Count("proxy.bookkeeping.faults", ("proxy.bookkeeping.step", stepName)));
    }

    [Fact]
    public async Task ALogSinkThatThrowsOnTheFaultsLine_StillLeavesTheOtherSteps()
    {
        await using var services = HandlerHarness.BuildServices();
        var bookkeeping = new RequestBookkeeping(new ThrowingLogger(), services.GetRequiredService<ProxyMetrics>());
        var request = new ProxyRequestFeature(FailingPath, 0);
        var done = new List<BookkeepingStep>();

        bookkeeping.Run(BookkeepingStep.Usage, request, done, static _ => throw new InvalidOperationException("injected fault naming " + FaultText));
        bookkeeping.Run(BookkeepingStep.AccessLine, request, done, static done => done.Add(BookkeepingStep.AccessLine));

        Assert.Equal([BookkeepingStep.AccessLine], done);
    }

    /// <summary>A log sink that fails on every line, as a full disk or a broken console would.</summary>
    private sealed class ThrowingLogger : ILogger<RequestBookkeeping>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            throw new IOException("the log sink is gone");
    }

    /// <summary>Bookkeeping whose one step throws for the failing requests, as a parser meeting bytes nobody foresaw would.</summary>
    private sealed class FaultyBookkeeping(BookkeepingStep faulty, ILogger<RequestBookkeeping> logger, ProxyMetrics metrics) : RequestBookkeeping(logger, metrics)
    {
        private protected override void Perform<TState>(BookkeepingStep step, ProxyRequestFeature request, TState state, Action<TState> action)
        {
            if (step == faulty && request.ClientPath.StartsWith(FailingPath, StringComparison.Ordinal))
            {
                throw new InvalidOperationException("injected fault naming " + FaultText);
            }

            base.Perform(step, request, state, action);
        }
    }

    /// <summary>The measurements of one proxy's meters, told from those of the other proxies in the test process.</summary>
    private sealed class ProxyMeasurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Instrument, long Value, KeyValuePair<string, object?>[] Tags)> _recorded = [];

        public ProxyMeasurements(IMeterFactory meters)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == meters)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                lock (_recorded)
                {
                    _recorded.Add((instrument.Name, value, tags.ToArray()));
                }
            });
            _listener.Start();
        }

        public long Count(string instrument, (string Name, object Value) tag)
        {
            lock (_recorded)
            {
                return _recorded.Where(measurement => measurement.Instrument == instrument
                    && measurement.Tags.Any(t => t.Key == tag.Name && Equals(t.Value?.ToString(), tag.Value.ToString()))).Sum(measurement => measurement.Value);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
