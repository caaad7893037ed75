namespace Proxy.Hosting;

/// <summary>
/// An endpoint or URL from the settings as a log line, an error message or the CLI may print it: scheme, host, port and
/// path only. Its user-info (<c>user:password@</c>) and its query are credentials as often as not (a storage URL's SAS
/// token is a key), and <see cref="Uri.GetLeftPart"/> keeps the user-info, so every such value is printed through here.
/// </summary>
public static class SafeEndpoint
{
    /// <summary>What is printed for a value that is not an absolute URL: its text could be anything, a key included.</summary>
    public const string NotAnAbsoluteUrl = "(not an absolute URL)";

    /// <summary><c>https://host:port/path</c>; a bare <c>/</c> path is left out, and so is a scheme's default port.</summary>
    public static string Describe(Uri? uri)
    {
        if (uri is not { IsAbsoluteUri: true })
        {
            return NotAnAbsoluteUrl;
        }

        var described = uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        return uri.AbsolutePath == "/" ? described.TrimEnd('/') : described;
    }

    /// <summary>As <see cref="Describe(Uri?)"/>, for a setting's text.</summary>
    public static string Describe(string? url) =>
        Describe(Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : null);

    /// <summary>Scheme, host and port alone: where a connection goes, for a line that needs no path.</summary>
    public static string DescribeServer(Uri? uri) =>
        uri is { IsAbsoluteUri: true } ? uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped) : NotAnAbsoluteUrl;
}
