using Microsoft.Extensions.Options;

namespace Proxy.Connections;

internal sealed class ConnectionOptionsValidator : IValidateOptions<ConnectionOptions>
{
    public ValidateOptionsResult Validate(string? name, ConnectionOptions options)
    {
        var failures = new List<string>();
        if (options.MaxConnections <= 0)
        {
            failures.Add("Proxy__Connections__MaxConnections must be positive.");
        }

        if (options.MaxIdleConnections <= 0 || options.MaxIdleConnections > options.MaxConnections)
        {
            failures.Add("Proxy__Connections__MaxIdleConnections must be positive and at most Proxy__Connections__MaxConnections.");
        }

        if (options.KeepAliveTimeout <= TimeSpan.Zero)
        {
            failures.Add("Proxy__Connections__KeepAliveTimeout must be positive.");
        }

        if (options.FirstRequestGracePeriod <= TimeSpan.Zero)
        {
            failures.Add("Proxy__Connections__FirstRequestGracePeriod must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
