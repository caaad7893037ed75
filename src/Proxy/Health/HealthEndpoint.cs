using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Net.Http.Headers;
using Proxy.Errors;
using Proxy.Requests;

namespace Proxy.Health;

/// <summary>
/// <c>GET /health</c> (and <c>HEAD</c>), answered by the core before anything else, so that both hosts answer it alike
/// (under Azure Functions it arrives through the catch-all function): no key, nothing counted, nothing forwarded, no
/// failure record. <c>Healthy</c> and <c>Degraded</c> are 200, <c>Unhealthy</c> is 503 (see the checks for which is which).
/// </summary>
public sealed class HealthEndpoint
{
    public const string Path = "/health";

    private readonly HealthCheckService _checks;
    private readonly TimeProvider _timeProvider;

    internal HealthEndpoint(HealthCheckService checks, TimeProvider timeProvider)
    {
        _checks = checks;
        _timeProvider = timeProvider;
    }

    public static bool Matches(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && request.Path.Value == Path;
    }

    public async Task AnswerAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        HealthReport report;
        try
        {
            report = await _checks.CheckHealthAsync(context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; the probes it waited for go on for the next caller.
            return;
        }

        var body = new HealthBody(report.Status.ToString(), report.Entries.ToDictionary(
            entry => entry.Key,
            entry => new HealthCheckBody(entry.Value.Status.ToString(), entry.Value.Exception is null ? entry.Value.Description ?? string.Empty : "the check failed")));
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        if (report.Status == HealthStatus.Unhealthy)
        {
            var error = ErrorCatalog.ServiceUnavailable();
            response.StatusCode = error.StatusCode;
            body = body with
            {
                Message = error.Message,
                Path = Path,
                RequestId = ProxyRequestFeature.Get(context).RequestId,
                StatusCode = error.StatusCode,
                Timestamp = ErrorResponseWriter.FormatTimestamp(_timeProvider.GetUtcNow()),
                Error = new ErrorBodyDetail(error.Message, error.Type, error.Code),
            };
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, HealthJsonContext.Default.HealthBody);
        response.ContentType = "application/json";
        response.ContentLength = bytes.Length;
        response.Headers[HeaderNames.CacheControl] = "no-store";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        try
        {
            await response.Body.WriteAsync(bytes, context.RequestAborted);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            context.Abort();
        }
    }
}
