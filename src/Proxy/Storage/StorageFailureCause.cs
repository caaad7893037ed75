using System.Net;
using System.Net.Sockets;
using Azure;

namespace Proxy.Storage;

/// <summary>
/// Why a storage call failed, as a class an operator can act on ("connection refused", "timed out", "authentication
/// failed"), never the exception's text, which can quote a connection string or a request's details.
/// </summary>
public static class StorageFailureCause
{
    public const string TimedOut = "timed out";

    public const string Unexpected = "unexpected error";

    public static string Of(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (Find<RequestFailedException>(exception) is { Status: > 0 } refused)
        {
            return refused.Status switch
            {
                (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden => $"authentication failed ({refused.Status})",
                _ => $"refused with {refused.Status}",
            };
        }

        if (Find<SocketException>(exception) is { } socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host not found",
                SocketError.TimedOut => TimedOut,
                SocketError.ConnectionReset or SocketError.ConnectionAborted => "connection reset",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => "unreachable",
                _ => "network error",
            };
        }

        if (Find<System.Security.Authentication.AuthenticationException>(exception) is not null)
        {
            return "TLS handshake failed";
        }

        if (Find<Azure.Identity.AuthenticationFailedException>(exception) is not null)
        {
            return "authentication failed (no token)";
        }

        if (Find<OperationCanceledException>(exception) is not null || Find<TimeoutException>(exception) is not null)
        {
            return TimedOut;
        }

        return Find<HttpRequestException>(exception) is not null ? "network error" : Unexpected;
    }

    /// <summary>Whether the storage service answered, with an error status: the call got through and was refused.</summary>
    public static bool IsRefusal(Exception exception) => Find<RequestFailedException>(exception) is { Status: > 0 };

    /// <summary>The first <typeparamref name="T"/> among the exception and its causes; the SDK wraps its retries in an AggregateException.</summary>
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
}
