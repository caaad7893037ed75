using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Proxy.Requests;

namespace Proxy.Cors;

/// <summary>
/// The proxy's own answer to browsers, through ASP.NET Core's <see cref="ICorsService"/>. Preflights are answered here and
/// never forwarded: a preflight carries no key (browsers send none), so forwarding it could only go out with the
/// operator's key, and it must not use up anyone's hour. The upstream's own <c>Access-Control-*</c> headers never reach the
/// client: which pages may call the proxy is the proxy operator's decision, not the upstream's.
/// </summary>
internal sealed class CrossOriginPolicy
{
    private readonly ICorsService _cors;
    private readonly CorsPolicy _policy;

    public CrossOriginPolicy(ICorsService cors, IOptions<CrossOriginOptions> options)
    {
        _cors = cors;
        var origins = options.Value.ParseOrigins();
        var builder = new CorsPolicyBuilder().AllowAnyMethod().AllowAnyHeader()
            .SetPreflightMaxAge(options.Value.MaxAge)
            .WithExposedHeaders(
                ProxyHeaderNames.RequestId, ProxyHeaderNames.ClientRequestId, ProxyHeaderNames.UpstreamRequestId,
                ProxyHeaderNames.ShouldRetry, "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit-Policy", "RateLimit");
        _policy = (origins.Contains("*") ? builder.AllowAnyOrigin() : builder.WithOrigins(origins)).Build();
    }

    /// <summary>A CORS preflight: <c>OPTIONS</c> with <c>Origin</c> and <c>Access-Control-Request-Method</c> (Fetch standard).</summary>
    public static bool IsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey("Access-Control-Request-Method");

    /// <summary>Whether the request's <c>Origin</c> may call the proxy; false without one.</summary>
    public bool AllowsOrigin(HttpContext context) => _cors.EvaluatePolicy(context, _policy).IsOriginAllowed;

    /// <summary>
    /// Whether <paramref name="name"/> is a CORS header, which the proxy never copies from the upstream's answer: it is
    /// taken out there (UpstreamResponseHeaders, as the upstream's headers are cleaned), before it could reach the client.
    /// </summary>
    public static bool IsCorsHeader(string name) => name.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// On every response, just before its headers go out: lets an allowed page read the answer (errors included, so that
    /// it can show them); on a preflight's 204, these are the preflight's own headers (allowed method, headers, max age).
    /// The upstream's own CORS headers are not among the response's by then (<see cref="IsCorsHeader"/>): dropping them
    /// here would mean enumerating the response's headers, which boxes their enumerator on every response.
    /// </summary>
    public void ApplyToResponse(HttpContext context)
    {
        if (context.Request.Headers.ContainsKey("Origin"))
        {
            _cors.ApplyResult(_cors.EvaluatePolicy(context, _policy), context.Response);
        }
    }
}
