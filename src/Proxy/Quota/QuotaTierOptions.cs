namespace Proxy.Quota;

/// <summary>One tier: its hourly request limit and hourly token limit, or none.</summary>
public sealed class QuotaTierOptions
{
    /// <summary>Requests per UTC hour; empty means no limit.</summary>
    public int? RequestsPerHour { get; set; }

    /// <summary>Prompt plus completion tokens per key and UTC hour; empty (the default) means no limit.</summary>
    public long? TokensPerHour { get; set; }

    /// <summary>The completion tokens reserved for a request that sets no cap; empty means <c>Proxy__Tokens__DefaultMaxTokens</c>.</summary>
    public long? DefaultMaxTokens { get; set; }
}
