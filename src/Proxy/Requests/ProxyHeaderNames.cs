namespace Proxy.Requests;

/// <summary>The headers the proxy reads or writes itself.</summary>
internal static class ProxyHeaderNames
{
    public const string RequestId = "x-request-id";
    public const string UpstreamRequestId = "x-upstream-request-id";
    public const string ClientRequestId = "x-client-request-id";
    public const string ApiKey = "x-api-key";
    public const string ShouldRetry = "x-should-retry";
}
