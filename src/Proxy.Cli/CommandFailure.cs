using System.Net.Sockets;
using Azure;

namespace Proxy.Cli;

/// <summary>
/// The one line printed for a command that failed on something other than its input: storage that does not answer or
/// refuses, or anything unforeseen. Never the exception itself: its type and stack mean nothing to an operator, and its
/// text can quote a connection string.
/// </summary>
internal static class CommandFailure
{
    public static string Describe(Exception exception, Uri? storage)
    {
        var where = storage is null ? "Storage" : $"Storage at {storage.GetLeftPart(UriPartial.Authority)}";
        const string Fix = "start Azurite (scripts/start-local.sh), or check AzureWebJobsStorage.";
        if (Find<SocketException>(exception) is { } socket)
        {
            return $"{where} did not answer ({SocketErrorText(socket.SocketErrorCode)}): {Fix}";
        }

        if (Find<HttpRequestException>(exception) is { } http)
        {
            return $"{where} did not answer ({http.HttpRequestError}): {Fix}";
        }

        if (Find<TimeoutException>(exception) is not null || Find<TaskCanceledException>(exception) is not null)
        {
            return $"{where} did not answer in time: {Fix}";
        }

        if (Find<RequestFailedException>(exception) is { Status: > 0 } refused)
        {
            return $"{where} refused the request ({refused.Status} {refused.ErrorCode}): check AzureWebJobsStorage's account and key, " +
                "and the table names in the settings.";
        }

        return "proxy-cli stopped on an unexpected error (its text is not shown, since it can carry settings). " +
            "Run the command again, and report it if it persists.";
    }

    /// <summary>The first <typeparamref name="T"/> among the exception and its causes; the SDK wraps retries in an AggregateException.</summary>
    private static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is T found)
            {
                return found;
            }

            if (exception is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Select(Find<T>).FirstOrDefault(inner => inner is not null);
            }
        }

        return null;
    }

    private static string SocketErrorText(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostNotFound or SocketError.NoData => "host not found",
        SocketError.TimedOut => "timed out",
        SocketError.ConnectionReset => "connection reset",
        SocketError.NetworkUnreachable or SocketError.HostUnreachable => "unreachable",
        _ => error.ToString(),
    };
}
