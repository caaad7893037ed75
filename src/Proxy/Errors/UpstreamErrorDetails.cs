namespace Proxy.Errors;

/// <summary>What an upstream error body said, whatever its shape; any part may be missing.</summary>
public sealed record UpstreamErrorDetails(string? Message, string? Type, string? Code, string? RequestId)
{
    public static readonly UpstreamErrorDetails Empty = new(null, null, null, null);
}
