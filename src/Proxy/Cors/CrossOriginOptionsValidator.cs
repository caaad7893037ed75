using Microsoft.Extensions.Options;

namespace Proxy.Cors;

internal sealed class CrossOriginOptionsValidator : IValidateOptions<CrossOriginOptions>
{
    public ValidateOptionsResult Validate(string? name, CrossOriginOptions options)
    {
        var failures = new List<string>();
        foreach (var origin in options.ParseOrigins())
        {
            if (origin != "*" && !IsOrigin(origin))
            {
                failures.Add($"Proxy__Cors__AllowedOrigins: '{origin}' must be * or an origin such as https://app.example.com (scheme, host, optional port; no path).");
            }
        }

        if (options.MaxAge < TimeSpan.Zero || options.MaxAge > TimeSpan.FromDays(1))
        {
            failures.Add("Proxy__Cors__MaxAge must be between 00:00:00 and 1.00:00:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped).Equals(origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)
        && !origin.EndsWith('/');
}
