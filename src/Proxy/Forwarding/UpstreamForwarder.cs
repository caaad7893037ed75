using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy.Errors;
using Proxy.Requests;
using Proxy.Telemetry;
using Yarp.ReverseProxy.Forwarder;

namespace Proxy.Forwarding;

/// <summary>
/// Sends a request upstream with YARP's <see cref="IHttpForwarder"/> over one tuned
/// <see cref="HttpMessageInvoker"/> for the life of the process, and says how it failed, if it did.
/// </summary>
internal sealed class UpstreamForwarder : IDisposable
{
    private readonly IHttpForwarder _forwarder;
    private readonly ProxyTransformer _transformer;
    private readonly UpstreamOptions _upstream;
    private readonly long _maxRequestBodySize;
    private readonly string _destinationPrefix;
    private readonly ForwarderRequestConfig _requestConfig;
    private readonly HttpMessageInvoker _invoker;
    private readonly string _upstreamHost;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<UpstreamForwarder> _logger;

    public UpstreamForwarder(
        IHttpForwarder forwarder,
        ProxyTransformer transformer,
        IOptions<UpstreamOptions> upstreamOptions,
        IOptions<ForwardingOptions> forwardingOptions,
        ProxyMetrics metrics,
        TimeProvider timeProvider,
        ILogger<UpstreamForwarder> logger)
    {
        _forwarder = forwarder;
        _transformer = transformer;
        _upstream = upstreamOptions.Value;
        _maxRequestBodySize = forwardingOptions.Value.MaxRequestBodySize;
        _destinationPrefix = _upstream.BaseUrl.AbsoluteUri.TrimEnd('/');
        _requestConfig = new ForwarderRequestConfig { ActivityTimeout = _upstream.Timeout };

        // Host and port only: the base URL's path, query or user info could carry what a log line must not.
        _upstreamHost = $"{_upstream.BaseUrl.Host}:{_upstream.BaseUrl.Port}";
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;

        _invoker = new HttpMessageInvoker(UpstreamHandler.Create(_upstream.ConnectTimeout), disposeHandler: true);
    }

    /// <summary>
    /// Forwards the request and copies the answer back; <see cref="Outcome"/> then says how it failed. Two calls rather
    /// than one async method, so that the handler's await is on YARP's own task: a method of this class awaiting it would
    /// box a state machine of its own on every request.
    /// </summary>
    public ValueTask<ForwarderError> SendAsync(HttpContext context)
    {
        ProxyRequestFeature.Get(context).UpstreamStartTimestamp = _timeProvider.GetTimestamp();
        return _forwarder.SendAsync(context, _destinationPrefix, _invoker, _requestConfig, _transformer);
    }

    /// <summary>Once <see cref="SendAsync"/> has finished: the failure, or null when there was none.</summary>
    public ProxyError? Outcome(HttpContext context, ForwarderError error)
    {
        var request = ProxyRequestFeature.Get(context);
        var elapsed = _timeProvider.GetElapsedTime(request.UpstreamStartTimestamp);
        if (error == ForwarderError.None)
        {
            _metrics.UpstreamCompleted(elapsed, request.UpstreamStatusCode, request.Error?.Kind);
            return null;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        var failure = ForwarderErrorClassifier.Classify(error, exception, context, _upstream, _maxRequestBodySize);
        if (failure.Kind == FailureKind.UpstreamUnreachable)
        {
            // The client's body says only "could not be reached"; the operator's line says where and why, by the error's
            // class alone: an exception's message can carry the request's details.
            var requestId = request.RequestId;
            var errorClass = ForwarderErrorClassifier.ErrorClassOf(exception);
            ProxyLog.UpstreamUnreachable(_logger, requestId, _upstreamHost, error, errorClass);
        }

        _metrics.UpstreamCompleted(elapsed, request.UpstreamStatusCode, failure.Kind);
        return failure;
    }

    public void Dispose() => _invoker.Dispose();
}
