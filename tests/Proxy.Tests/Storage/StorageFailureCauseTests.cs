using System.Net.Sockets;
using Azure;
using Proxy.Storage;

namespace Proxy.Tests.Storage;

/// <summary>The cause class a log line and /health give for a storage failure: what an operator can act on, never the exception's text.</summary>
public sealed class StorageFailureCauseTests
{
    public static TheoryData<Exception, string> Failures => new()
    {
        { new AggregateException(new RequestFailedException("Retry failed", new HttpRequestException("x", new SocketException((int)SocketError.ConnectionRefused)))), "connection refused" },
        { new HttpRequestException("No such host is known (storage.invalid:443)", new SocketException((int)SocketError.HostNotFound)), "host not found" },
        { new RequestFailedException(403, "Server failed to authenticate the request. AccountKey=secret"), "authentication failed (403)" },
        { new RequestFailedException(503, "busy"), "refused with 503" },
        { new TaskCanceledException("The operation was canceled."), "timed out" },
        { new InvalidOperationException("AccountKey=secret"), "unexpected error" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Of_NamesTheClass_NeverTheText(Exception failure, string cause)
    {
        Assert.Equal(cause, StorageFailureCause.Of(failure));
    }
}
