using Microsoft.AspNetCore.Http;
using Proxy.Auth;
using Proxy.Errors;
using Proxy.Requests;

namespace Proxy.Failures;

/// <summary>Builds a failure's record from what the proxy knows of its request; nothing secret goes in.</summary>
public sealed class FailureRecordFactory(TimeProvider timeProvider)
{
    /// <summary>Which process reported it: the App Service instance in Azure, else host and process id.</summary>
    private static readonly string s_instance =
        Environment.GetEnvironmentVariable("WEBSITE_INSTANCE_ID") is { Length: > 0 } azureInstance
            ? azureInstance
            : $"{Environment.MachineName}/{Environment.ProcessId}";

    public FailureRecord Create(HttpContext context, ProxyError error)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(error);
        var request = ProxyRequestFeature.Get(context);
        return new FailureRecord
        {
            RequestId = request.RequestId,
            ClientRequestId = ClientRequestId.Of(context.Request),
            Timestamp = ErrorResponseWriter.FormatTimestamp(timeProvider.GetUtcNow()),
            Method = context.Request.Method,
            Path = request.ClientPath,
            StatusCode = error.StatusCode,
            Kind = FailureKindNames.Of(error.Kind),
            Source = FailureKindNames.SourceOf(error.Kind),
            Message = error.Message,
            KeyId = request.KeyId is { } keyId ? ApiKeyHash.Prefix(keyId) : null,
            Tier = request.Tier,
            Model = request.Model ?? (request.Body is { } body ? ModelSniffer.FromJsonPrefix(body.Prefix) : null),
            UpstreamStatusCode = request.UpstreamStatusCode,
            UpstreamRequestId = request.UpstreamRequestId,
            DurationMs = (long)timeProvider.GetElapsedTime(request.StartTimestamp).TotalMilliseconds,
            RequestBytes = context.Request.ContentLength ?? request.Body?.BytesRead,
            ResponseBytes = request.ResponseBytes ?? context.Response.ContentLength,
            Instance = s_instance,
        };
    }
}
