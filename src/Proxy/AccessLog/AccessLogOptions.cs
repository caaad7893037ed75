namespace Proxy.AccessLog;

/// <summary>The access log: one line per request. Bound from <c>Proxy:AccessLog</c> (<c>Proxy__AccessLog__*</c>).</summary>
public sealed class AccessLogOptions
{
    public const string SectionName = "Proxy:AccessLog";

    /// <summary>Whether each request gets its access line (event 1200); on by default, since it is what an operator runs by.</summary>
    public bool Enabled { get; set; } = true;
}
