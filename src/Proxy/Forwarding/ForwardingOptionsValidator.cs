using Microsoft.Extensions.Options;
using Proxy.Hosting;

namespace Proxy.Forwarding;

internal sealed class ForwardingOptionsValidator(IOptions<FunctionsHostOptions> hostOptions) : IValidateOptions<ForwardingOptions>
{
    public ValidateOptionsResult Validate(string? name, ForwardingOptions options)
    {
        var failures = new List<string>();
        var prefixes = options.ParsePrefixes();
        if (prefixes.Length == 0)
        {
            failures.Add("Proxy__Forwarding__AllowedPathPrefixes must name at least one prefix.");
        }

        foreach (var prefix in prefixes)
        {
            if (prefix.Length < 3 || prefix[0] != '/' || prefix[^1] != '/' || prefix.Contains("..", StringComparison.Ordinal))
            {
                failures.Add($"Proxy__Forwarding__AllowedPathPrefixes: '{prefix}' must start and end with '/' and name a folder, such as /v1/.");
            }
        }

        if (options.MaxRequestBodySize <= 0)
        {
            failures.Add("Proxy__Forwarding__MaxRequestBodySize must be positive.");
        }

        var host = hostOptions.Value;
        if (host.BehindFunctionsHost && options.MaxRequestBodySize >= host.HostRequestBodySizeLimit)
        {
            failures.Add($"Proxy__Forwarding__MaxRequestBodySize ({options.MaxRequestBodySize}) must be below the Functions host's own limit " +
                $"({FunctionsHostOptions.RequestBodySizeLimitSetting}, {host.HostRequestBodySizeLimit} bytes): the host answers a body over its limit itself, without the documented error.");
        }

        if (options.RequestHeadersTimeout <= TimeSpan.Zero)
        {
            failures.Add("Proxy__Forwarding__RequestHeadersTimeout must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
