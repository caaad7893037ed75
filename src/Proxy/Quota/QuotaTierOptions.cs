namespace Proxy.Quota;

/// <summary>One tier: its hourly request limit, or none.</summary>
public sealed class QuotaTierOptions
{
    /// <summary>Requests per UTC hour; empty means no limit.</summary>
    public int? RequestsPerHour { get; set; }
}
