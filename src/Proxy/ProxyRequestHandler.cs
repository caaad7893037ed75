using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy.Auth;
using Proxy.Errors;
using Proxy.Forwarding;
using Proxy.Requests;

namespace Proxy;

/// <summary>
/// The proxy's one request handler, used by every host: checks what the proxy can judge itself,
/// forwards the rest, and answers every failure through <see cref="ErrorResponseWriter"/>.
/// </summary>
public sealed class ProxyRequestHandler
{
    private static readonly Func<object, Task> s_writeRequestIds = WriteRequestIds;

    private readonly RequestTargetPolicy _targetPolicy;
    private readonly UpstreamForwarder _forwarder;
    private readonly ErrorResponseWriter _errorWriter;
    private readonly ILogger<ProxyRequestHandler> _logger;
    private readonly long _maxRequestBodySize;

    internal ProxyRequestHandler(
        RequestTargetPolicy targetPolicy,
        UpstreamForwarder forwarder,
        ErrorResponseWriter errorWriter,
        IOptions<ForwardingOptions> forwardingOptions,
        ILogger<ProxyRequestHandler> logger)
    {
        _targetPolicy = targetPolicy;
        _forwarder = forwarder;
        _errorWriter = errorWriter;
        _logger = logger;
        _maxRequestBodySize = forwardingOptions.Value.MaxRequestBodySize;
    }

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var request = new ProxyRequestFeature(context);
        context.Features.Set(request);
        context.Response.OnStarting(s_writeRequestIds, context);

        try
        {
            var error = Admit(context) ?? await _forwarder.ForwardAsync(context);
            if (error is not null)
            {
                await _errorWriter.WriteAsync(context, error);
            }
        }
        catch (Exception exception)
        {
            ProxyError error;
            if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
            {
                error = ErrorCatalog.ClientAborted();
            }
            else
            {
                // Deliberately logged without the exception: its message or stack could carry a key or a body.
                ProxyLog.UnhandledFault(_logger, request.RequestId, context.Request.Method, request.ClientPath);
                error = ErrorCatalog.Internal();
            }

            await _errorWriter.WriteAsync(context, error);
        }
    }

    /// <summary>What the proxy refuses without asking the upstream, in the order a client would fix it.</summary>
    private ProxyError? Admit(HttpContext context)
    {
        var request = context.Request;
        return _targetPolicy.Check(context)
            ?? (IsCorsPreflight(request) ? null : ApiKeyReader.Read(request).Error)
            ?? RequestBodyLimit.Apply(context, _maxRequestBodySize);
    }

    // Browsers send preflights without credentials; the upstream answers them.
    private static bool IsCorsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey("Access-Control-Request-Method");

    /// <summary>Runs just before the status line goes out, after any upstream headers were copied, so the proxy's ids win.</summary>
    private static Task WriteRequestIds(object state)
    {
        var context = (HttpContext)state;
        var headers = context.Response.Headers;
        headers[ProxyHeaderNames.RequestId] = ProxyRequestFeature.Get(context).RequestId;

        var clientRequestId = context.Request.Headers[ProxyHeaderNames.ClientRequestId];
        if (clientRequestId.Count == 1 && ClientRequestId.IsValid(clientRequestId[0]))
        {
            headers[ProxyHeaderNames.ClientRequestId] = clientRequestId[0];
        }
        else
        {
            headers.Remove(ProxyHeaderNames.ClientRequestId);
        }

        return Task.CompletedTask;
    }
}
