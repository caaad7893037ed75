namespace Proxy.Hosting;

/// <summary>
/// What the Azure Functions host does to a request before the worker's handler sees it, so that the handler judges what
/// the client sent. Set by <c>AddProxyUnderFunctionsHost</c>; the standalone host leaves it off.
/// </summary>
public sealed class FunctionsHostOptions
{
    /// <summary>The host's own request body limit when <see cref="RequestBodySizeLimitSetting"/> is not set.</summary>
    public const long DefaultRequestBodySizeLimit = 104_857_600;

    /// <summary>The host's app setting for its request body limit, in bytes.</summary>
    public const string RequestBodySizeLimitSetting = "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT";

    /// <summary>
    /// Whether the request arrives through the Functions host. The host's Kestrel decodes the client's target (leaving
    /// <c>%2F</c> and percent sequences that are not UTF-8 encoded), removes its dot segments, and its forwarder sends the
    /// worker that path encoded again, which turns each <c>%</c> it left into <c>%25</c>.
    /// </summary>
    public bool BehindFunctionsHost { get; set; }

    /// <summary>The host's request body limit, in bytes: a declared body over it is refused by the host before the worker runs.</summary>
    public long HostRequestBodySizeLimit { get; set; } = DefaultRequestBodySizeLimit;
}
