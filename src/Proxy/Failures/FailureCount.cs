namespace Proxy.Failures;

/// <summary>How many failures of one kind and status an aggregated record stands for.</summary>
public sealed record FailureCount(string Kind, int StatusCode, long Count)
{
    /// <summary>The kind under which an aggregated record counts the pairs beyond its bound, all together.</summary>
    public const string OtherKind = "other";
}
