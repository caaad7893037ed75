using Microsoft.Extensions.Options;

namespace Proxy.Telemetry;

/// <summary>The Prometheus endpoint is an <c>http</c> address with a port and nothing else: the exporter listens on exactly that.</summary>
internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.PrometheusEndpoint))
        {
            return ValidateOptionsResult.Success;
        }

        var endpoint = options.PrometheusEndpoint;
        var valid = Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            && uri.Scheme == Uri.UriSchemeHttp
            && uri.Port is >= 1 and <= 65535
            && endpoint.Contains(":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0;
        return valid
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                "Proxy__Telemetry__PrometheusEndpoint must be an http address with a port from 1 to 65535 and no path, such as http://127.0.0.1:9464 " +
                "(the metrics are then served at /metrics), or empty for none.");
    }
}
