using Microsoft.Extensions.Options;

namespace Proxy.Forwarding;

internal sealed class UpstreamOptionsValidator : IValidateOptions<UpstreamOptions>
{
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

        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add("Proxy__Upstream__Timeout must be positive.");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            failures.Add("Proxy__Upstream__ConnectTimeout must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
