using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy.AccessLog;
using Proxy.Auth;
using Proxy.Cors;
using Proxy.Errors;
using Proxy.Failures;
using Proxy.Forwarding;
using Proxy.Health;
using Proxy.Hosting;
using Proxy.Quota;
using Proxy.Requests;
using Proxy.Telemetry;
using Proxy.Tokens;
using Proxy.Usage;

namespace Proxy;

/// <summary>
/// The proxy's one request handler, used by every host: checks what the proxy can judge itself, identifies
/// the key and counts it against its quota, forwards the rest, and answers every failure through
/// <see cref="ErrorResponseWriter"/>.
/// </summary>
public sealed class ProxyRequestHandler
{
    private readonly RequestTargetPolicy _targetPolicy;
    private readonly CrossOriginPolicy _crossOrigin;
    private readonly KeyResolver _keys;
    private readonly QuotaLimiter _quota;
    private readonly UpstreamForwarder _forwarder;
    private readonly ErrorResponseWriter _errorWriter;
    private readonly AccessLogWriter _accessLog;
    private readonly UsageLedger _usage;
    private readonly ProxyMetrics _metrics;
    private readonly TokenMeter _tokens;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ProxyRequestHandler> _logger;
    private readonly long _maxRequestBodySize;
    private readonly QuotaOptions _quotaOptions;
    private readonly UncountedPaths _uncountedPaths;
    private readonly FunctionsHostOptions _hostOptions;
    private readonly Func<object, Task> _writeResponseHeaders;
    private readonly HealthEndpoint _health;
    private readonly QuotaEndpoint _quotaEndpoint;
    private readonly RequestBookkeeping _bookkeeping;

    internal ProxyRequestHandler(
        RequestTargetPolicy targetPolicy,
        CrossOriginPolicy crossOrigin,
        KeyResolver keys,
        QuotaLimiter quota,
        UpstreamForwarder forwarder,
        ErrorResponseWriter errorWriter,
        AccessLogWriter accessLog,
        UsageLedger usage,
        ProxyMetrics metrics,
        TokenMeter tokens,
        TimeProvider timeProvider,
        IOptions<ForwardingOptions> forwardingOptions,
        IOptions<QuotaOptions> quotaOptions,
        IOptions<FunctionsHostOptions> hostOptions,
        ILogger<ProxyRequestHandler> logger,
        HealthEndpoint health,
        QuotaEndpoint quotaEndpoint,
        RequestBookkeeping bookkeeping)
    {
        _targetPolicy = targetPolicy;
        _crossOrigin = crossOrigin;
        _keys = keys;
        _quota = quota;
        _forwarder = forwarder;
        _errorWriter = errorWriter;
        _accessLog = accessLog;
        _usage = usage;
        _metrics = metrics;
        _tokens = tokens;
        _timeProvider = timeProvider;
        _logger = logger;
        _maxRequestBodySize = forwardingOptions.Value.MaxRequestBodySize;
        _quotaOptions = quotaOptions.Value;
        _uncountedPaths = new UncountedPaths(_quotaOptions);
        _hostOptions = hostOptions.Value;
        _writeResponseHeaders = WriteResponseHeaders;
        _health = health;
        _quotaEndpoint = quotaEndpoint;
        _bookkeeping = bookkeeping;
    }

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var request = new ProxyRequestFeature(context, _timeProvider.GetTimestamp(), _hostOptions.BehindFunctionsHost);
        context.Features.Set(request);
        context.Response.OnStarting(_writeResponseHeaders, context);
        if (HealthEndpoint.Matches(context.Request))
        {
            await _health.AnswerAsync(context);
            return;
        }

        using var activity = ProxyTracing.StartRequest(request.RequestId);
        try
        {
            var preflight = CrossOriginPolicy.IsPreflight(context.Request);
            if (!preflight && QuotaEndpoint.Matches(context.Request))
            {
                if (await AnswerQuotaAsync(context, request) is { } quotaError)
                {
                    await _errorWriter.WriteAsync(context, quotaError);
                }

                return;
            }

            var refusal = preflight ? CheckPreflight(context) : await AdmitAsync(context, request);
            if (refusal is not null)
            {
                request.Model ??= PeekModel(context.Request, context.Request.BodyReader);
                await _errorWriter.WriteAsync(context, refusal);
                if (_hostOptions.BehindFunctionsHost)
                {
                    await RefusedRequestBody.DrainAsync(context, _hostOptions.HostRequestBodySizeLimit);
                }

                return;
            }

            if (preflight)
            {
                // Answered here, never forwarded: the CORS headers go on in the response's OnStarting.
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }

            // A metered body was read whole before, and its model with it (TokenMeter); another JSON body's first bytes are
            // kept as it passes, to name its model.
            PipeReader? unsentBody = null;
            if (IsJson(context.Request) && context.Request.Body is not BufferedRequestBody)
            {
                unsentBody = context.Request.BodyReader;
                request.Body = new RequestBodyPrefixStream(context.Request.Body, ModelSniffer.PrefixLength);
                context.Request.Body = request.Body;
                context.Response.RegisterForDispose(request.Body);
            }

            var error = _forwarder.Outcome(context, await _forwarder.SendAsync(context));
            if (error is not null)
            {
                if (request.Body is { BytesRead: 0 } && unsentBody is not null)
                {
                    // The upstream could not be reached, so nothing of the body went upstream: its model is read from what
                    // the client sent, as a refused request's is.
                    request.Model ??= PeekModel(context.Request, unsentBody);
                }

                await _errorWriter.WriteAsync(context, error);
            }

            // The outcome is known: a failure that is not the client's fault gives its unit back, and the answer's tokens
            // replace the reservation.
            Settle(request);

            if (request.QuotaLease?.Decision == QuotaDecision.StoreUnavailable)
            {
                // Admitted uncounted (fail-open): reported once the status it got is known; a client that left gets its 499,
                // not the 400 the forwarder leaves on a response nobody reads.
                var status = error?.Kind == FailureKind.ClientAborted ? error.StatusCode : context.Response.StatusCode;
                _errorWriter.Report(context, request, ErrorCatalog.QuotaStoreUnavailable(status));
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
            Settle(request);
        }
        finally
        {
            // Every request the handler saw, once its answer is written; before the response's disposables run, so the
            // body's first bytes are still there to name the model. Each step is done whatever the others did.
            _bookkeeping.Run(BookkeepingStep.AccessLine, request, (handler: this, context, request), static state => state.handler._accessLog.Write(state.context, state.request));
            _bookkeeping.Run(BookkeepingStep.Usage, request, (handler: this, context, request), static state => state.handler._usage.Record(state.context, state.request));
            _bookkeeping.Run(BookkeepingStep.Metrics, request, (handler: this, context, request, activity),
                static state => state.handler.RecordOutcome(state.context, state.request, state.activity));
        }
    }

    /// <summary>
    /// What the proxy refuses without asking the upstream, in the order a client would fix it. The quota comes
    /// last, so that a request refused for any other reason does not use up the key's hour.
    /// </summary>
    private async ValueTask<ProxyError?> AdmitAsync(HttpContext context, ProxyRequestFeature request)
    {
        var httpRequest = context.Request;
        if ((_targetPolicy.Check(context) ?? RequestHeaderPolicy.Check(httpRequest)) is { } requestShapeError)
        {
            return requestShapeError;
        }

        var (keyError, key) = await IdentifyAsync(context, request);
        if (keyError is not null)
        {
            return keyError;
        }

        if (_uncountedPaths.Contains(httpRequest))
        {
            request.QuotaLease = QuotaLease.Uncounted;
            return null;
        }

        // A key with a token limit reserves an upper bound of the request's tokens in the same write that counts it.
        var tokens = 0L;
        if (key.TokenLimit is not null)
        {
            var metered = await _tokens.ReadAsync(context, request, key.DefaultMaxTokens);
            if (metered.Error is { } bodyError)
            {
                return bodyError;
            }

            tokens = metered.Reservation;
        }

        var lease = await _quota.AcquireAsync(key.KeyId, key.Limit, key.TokenLimit, tokens, context.RequestAborted);
        request.QuotaLease = lease;
        return lease.Decision switch
        {
            QuotaDecision.Exhausted => ErrorCatalog.QuotaExceeded(_quotaOptions.LimitMessage),
            QuotaDecision.TokensExhausted => ErrorCatalog.QuotaExceeded(_quotaOptions.TokenLimitMessageFor(tokens, lease.TokensRemaining, lease.TokensInFlight)),
            QuotaDecision.Shed => ErrorCatalog.Overloaded(),
            QuotaDecision.StoreUnavailable when _quotaOptions.FailureMode == QuotaFailureMode.Closed => ErrorCatalog.ServiceUnavailable(),
            _ => null,
        };
    }

    /// <summary>
    /// Reads and checks the request's key. Its wait ends when the client leaves: the catch then records client_aborted, and
    /// a request nobody waits for is neither counted nor forwarded.
    /// </summary>
    private async ValueTask<(ProxyError? Error, ResolvedKey Key)> IdentifyAsync(HttpContext context, ProxyRequestFeature request)
    {
        var apiKey = ApiKeyReader.Read(context.Request);
        if ((apiKey.Error ?? RequestBodyLimit.Apply(context, _maxRequestBodySize)) is { } requestError)
        {
            return (requestError, default);
        }

        var key = await _keys.ResolveAsync(apiKey.Key!, context.RequestAborted);
        (request.KeyId, request.Tier) = (key.KeyId, key.Tier);
        return (key.Error, key);
    }

    /// <summary><c>GET /quota</c>: the key is checked as any request's; the answer is the proxy's own, not forwarded and not counted.</summary>
    private async ValueTask<ProxyError?> AnswerQuotaAsync(HttpContext context, ProxyRequestFeature request)
    {
        if (RequestHeaderPolicy.Check(context.Request) is { } headerError)
        {
            return headerError;
        }

        var (keyError, key) = await IdentifyAsync(context, request);
        if (keyError is not null)
        {
            return keyError;
        }

        request.QuotaLease = QuotaLease.Uncounted;
        return await _quotaEndpoint.AnswerAsync(context, key);
    }

    /// <summary>
    /// Settles the request's quota once its outcome is known. An answer the upstream began (2xx) whose usage was not read
    /// is charged its whole reservation: it may have produced tokens nobody read.
    /// </summary>
    private void Settle(ProxyRequestFeature request) =>
        _bookkeeping.Run(BookkeepingStep.Refund, request, request, static request =>
            request.QuotaLease?.Settle(request.Error, request.TokensUsed, request.UpstreamStatusCode is >= StatusCodes.Status200OK and < StatusCodes.Status300MultipleChoices));

    /// <summary>
    /// The status as the client got it, as the access line and the record have it; a 200 stream that carried an error event is
    /// a <c>stream_error</c>, as its record is. The quota's decision is taken from the lease every branch of the admission
    /// leaves, so that no branch can go uncounted.
    /// </summary>
    private void RecordOutcome(HttpContext context, ProxyRequestFeature request, System.Diagnostics.Activity? activity)
    {
        if (request.QuotaLease is { } lease)
        {
            _metrics.QuotaDecided(lease.Decision);
        }

        var statusCode = request.AnsweredStatusCode(context);
        var failure = request.Error?.Kind ?? (request.StreamFailed ? FailureKind.StreamError : null);
        _metrics.RequestAnswered(statusCode, failure);
        _metrics.TokensUsed(request.PromptTokens, request.CompletionTokens);
        ProxyTracing.Complete(activity, statusCode, failure);
    }

    /// <summary>
    /// A preflight carries no key (browsers never send one) and does not count; it is judged on its shape and its origin
    /// alone, and never forwarded (see <see cref="CrossOriginPolicy"/>).
    /// </summary>
    private ProxyError? CheckPreflight(HttpContext context) =>
        (context.Request.Path.Value == QuotaEndpoint.Path ? null : _targetPolicy.Check(context)) ?? RequestHeaderPolicy.Check(context.Request)
        ?? (_crossOrigin.AllowsOrigin(context) ? null : ErrorCatalog.Forbidden("this origin may not call the API from a browser page."));

    /// <summary>
    /// A refused request's body is never forwarded, so the model its failure record may name is read from what
    /// has already arrived, without waiting: a client that sends its body slowly or never must not hold the
    /// answer up, and nothing is consumed, so the server can still drain or discard the body as usual.
    /// </summary>
    private static string? PeekModel(HttpRequest request, PipeReader reader)
    {
        if (!IsJson(request) || !(request.ContentLength > 0))
        {
            return null;
        }

        try
        {
            if (!reader.TryRead(out var result))
            {
                return null;
            }

            var prefix = result.Buffer.Slice(0, Math.Min(result.Buffer.Length, ModelSniffer.PrefixLength));
            var model = ModelSniffer.FromJsonPrefix(prefix.IsSingleSegment ? prefix.FirstSpan : prefix.ToArray());
            reader.AdvanceTo(result.Buffer.Start);
            return model;
        }
        catch (Exception e) when (e is BadHttpRequestException or InvalidOperationException or IOException)
        {
            // A body over the size limit, or one the client broke off: the record goes without a model.
            return null;
        }
    }

    private static bool IsJson(HttpRequest request) =>
        request.ContentType is { } contentType && contentType.Contains("json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Runs just before the status line goes out, after any upstream headers were copied, so that the proxy's
    /// ids and rate-limit headers win over the upstream's.
    /// </summary>
    private Task WriteResponseHeaders(object state)
    {
        var context = (HttpContext)state;
        _crossOrigin.ApplyToResponse(context);
        var request = ProxyRequestFeature.Get(context);
        var headers = context.Response.Headers;
        headers[ProxyHeaderNames.RequestId] = request.RequestId;

        if (ClientRequestId.Of(context.Request) is { } clientRequestId)
        {
            headers[ProxyHeaderNames.ClientRequestId] = clientRequestId;
        }
        else
        {
            headers.Remove(ProxyHeaderNames.ClientRequestId);
        }

        if (request.QuotaLease is { } lease)
        {
            RateLimitHeaders.Write(headers, lease, request.Error);
        }

        return Task.CompletedTask;
    }
}
