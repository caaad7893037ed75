using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Proxy.Functions;

/// <summary>
/// Every call under the proxy's prefixes, any method: handed whole to the core, which writes the response.
/// <c>host.json</c> sets an empty route prefix, so <c>/v1/chat/completions</c> arrives as it was sent.
/// </summary>
public sealed class ProxyFunction(ProxyRequestHandler handler)
{
    [Function("Proxy")]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "{*path}")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        await handler.HandleAsync(request.HttpContext);

        // The response is already written (and, when streamed, already sent); the result adds nothing to it.
        return new EmptyResult();
    }
}
