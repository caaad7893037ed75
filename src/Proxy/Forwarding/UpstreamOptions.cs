namespace Proxy.Forwarding;

/// <summary>Where and how the proxy calls the upstream. Bound from <c>Proxy:Upstream</c> (<c>Proxy__Upstream__*</c>).</summary>
public sealed class UpstreamOptions
{
    public const string SectionName = "Proxy:Upstream";

    /// <summary>The upstream's base URL; the request's path and query are appended to it.</summary>
    public Uri BaseUrl { get; set; } = new("https://api.aimlapi.com");

    /// <summary>When set, this key replaces the client's on every upstream call.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The longest the upstream may stay silent (no headers, no body bytes) before the proxy gives up with 504.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The longest a TCP and TLS connection to the upstream may take before the proxy answers 502.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest the proxy reads an upstream error body to rewrite it; one that stalls is given up, and the client gets
    /// the upstream's status with the status's generic message, not a 502 after <see cref="Timeout"/>.
    /// </summary>
    public TimeSpan ErrorBodyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most bytes of an upstream error body read (after decompression) to find its message; the rest is not read.</summary>
    public int MaxErrorBodySize { get; set; } = 64 * 1024;
}
