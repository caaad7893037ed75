namespace Proxy.Cors;

/// <summary>Which web pages may call the proxy from a browser. Bound from <c>Proxy:Cors</c> (<c>Proxy__Cors__*</c>).</summary>
public sealed class CrossOriginOptions
{
    public const string SectionName = "Proxy:Cors";

    /// <summary>
    /// Comma-separated origins (<c>https://app.example.com</c>) whose pages may call the proxy, or <c>*</c> for any.
    /// Empty, the default: no browser page may, since a page that can call the proxy spends its visitors' quota.
    /// </summary>
    public string AllowedOrigins { get; set; } = string.Empty;

    /// <summary>How long a browser may reuse a preflight's answer (<c>Access-Control-Max-Age</c>).</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(10);

    internal string[] ParseOrigins() =>
        AllowedOrigins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
