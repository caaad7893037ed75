using Microsoft.Extensions.Logging;
using Proxy.Telemetry;

namespace Proxy.Requests;

/// <summary>
/// Runs each step of a request's bookkeeping on its own: a fault in one (a parser meeting bytes nobody foresaw, a log sink
/// that throws) is the proxy's, logged once without its exception, whose text could carry a key or a body, and counted; it
/// never keeps the client's answer or the request's other steps from happening.
/// </summary>
internal class RequestBookkeeping(ILogger<RequestBookkeeping> logger, ProxyMetrics metrics)
{
    public void Run<TState>(BookkeepingStep step, ProxyRequestFeature request, TState state, Action<TState> action)
    {
        try
        {
            Perform(step, request, state, action);
        }
        catch (Exception)
        {
            // The log sink or the metrics faulting in turn: each is tried, and the other steps go ahead all the same.
            Contain(() => ProxyLog.BookkeepingFault(logger, request.RequestId, MetricTagValues.Step(step)));
            Contain(() => metrics.BookkeepingFaulted(step));
        }
    }

    private static void Contain(Action report)
    {
        try
        {
            report();
        }
        catch (Exception)
        {
            // Nothing is left to tell it to.
        }
    }

    /// <summary>The step itself: the one place where a step's fault arises, so that a fault can be put in any of them.</summary>
    private protected virtual void Perform<TState>(BookkeepingStep step, ProxyRequestFeature request, TState state, Action<TState> action) => action(state);
}
