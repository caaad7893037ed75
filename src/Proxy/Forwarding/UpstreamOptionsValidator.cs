using Microsoft.Extensions.Options;
using Proxy.Hosting;

namespace Proxy.Forwarding;

internal sealed class UpstreamOptionsValidator : IValidateOptions<UpstreamOptions>
{
    // Enough for any error message the proxy keeps; at most what a pooled buffer per error should cost.
    private const int MinErrorBodySize = 1024;
    private const int MaxErrorBodySize = 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, UpstreamOptions options)
    {
        var failures = new List<string>();
        if (!options.BaseUrl.IsAbsoluteUri || options.BaseUrl.Scheme is not ("http" or "https"))
        {
            failures.Add("Proxy__Upstream__BaseUrl must be an absolute http or https URL.");
        }
        else if (!string.IsNullOrEmpty(options.BaseUrl.Query) || !string.IsNullOrEmpty(options.BaseUrl.Fragment))
        {
            failures.Add("Proxy__Upstream__BaseUrl must not have a query or a fragment.");
        }
        else if (EndsInVersionSegment(options.BaseUrl))
        {
            // Clients send the version in every path (/v1/chat/completions): the upstream would get /v1/v1/….
            failures.Add($"Proxy__Upstream__BaseUrl must not end in a version segment ('{options.BaseUrl.AbsolutePath.TrimEnd('/')}'), since clients send it: " +
                $"use {SafeEndpoint.DescribeServer(options.BaseUrl)}.");
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add("Proxy__Upstream__Timeout must be positive.");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            failures.Add("Proxy__Upstream__ConnectTimeout must be positive.");
        }

        if (options.ErrorBodyTimeout <= TimeSpan.Zero)
        {
            failures.Add("Proxy__Upstream__ErrorBodyTimeout must be positive.");
        }

        if (options.MaxErrorBodySize is < MinErrorBodySize or > MaxErrorBodySize)
        {
            failures.Add($"Proxy__Upstream__MaxErrorBodySize must be between {MinErrorBodySize} and {MaxErrorBodySize} bytes.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool EndsInVersionSegment(Uri baseUrl)
    {
        var last = baseUrl.AbsolutePath.TrimEnd('/');
        last = last[(last.LastIndexOf('/') + 1)..];
        return last.Length >= 2 && last[0] is 'v' or 'V' && last.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;
    }
}
