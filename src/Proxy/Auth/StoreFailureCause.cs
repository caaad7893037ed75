using Azure;

namespace Proxy.Auth;

/// <summary>What kind of failure a storage call met, in words for a log line: never the exception's type or text, which can quote settings.</summary>
internal static class StoreFailureCause
{
    public static string Of(Exception exception) => exception switch
    {
        OperationCanceledException or TimeoutException => "no answer within Proxy__Quota__StoreTimeout",
        RequestFailedException { Status: > 0 } refused => $"refused with status {refused.Status}{(refused.ErrorCode is { } code ? ' ' + code : string.Empty)}",
        RequestFailedException or HttpRequestException or AggregateException => "no connection",
        _ => "an unexpected error",
    };
}
