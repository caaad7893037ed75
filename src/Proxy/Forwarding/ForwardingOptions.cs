namespace Proxy.Forwarding;

/// <summary>What the proxy accepts from clients. Bound from <c>Proxy:Forwarding</c> (<c>Proxy__Forwarding__*</c>).</summary>
public sealed class ForwardingOptions
{
    public const string SectionName = "Proxy:Forwarding";

    /// <summary>
    /// The path prefixes forwarded upstream, comma-separated so that one environment variable holds them;
    /// each starts and ends with <c>/</c>. Anything else is answered 404 without an upstream call.
    /// </summary>
    public string AllowedPathPrefixes { get; set; } = "/v1/,/v2/";

    /// <summary>
    /// The largest request body accepted, in bytes. The default is Azure's 100 MB front-end limit,
    /// so that a request refused in Azure is refused the same way everywhere.
    /// </summary>
    public long MaxRequestBodySize { get; set; } = 100 * 1024 * 1024;

    /// <summary>
    /// How long a client may take to send a request's head (a slow-headers client holds a connection otherwise); it
    /// gets the documented 408 after that on the standalone host. Kestrel's own default.
    /// </summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(30);

    internal string[] ParsePrefixes() =>
        AllowedPathPrefixes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
