using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Proxy.Forwarding;

/// <summary>
/// Lets the host's Kestrel (the standalone host's, and the Functions worker's behind the host) accept bodies
/// up to the proxy's limit; its own default is 30,000,000 bytes. The proxy then enforces its limit per request.
/// Also gives it the proxy's wait for a request's head.
/// </summary>
internal sealed class KestrelLimitsSetup(IOptions<ForwardingOptions> forwardingOptions) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions options)
    {
        options.Limits.MaxRequestBodySize = forwardingOptions.Value.MaxRequestBodySize;
        options.Limits.RequestHeadersTimeout = forwardingOptions.Value.RequestHeadersTimeout;
    }
}
