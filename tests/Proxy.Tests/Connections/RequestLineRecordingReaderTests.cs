using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Proxy.Connections;

namespace Proxy.Tests.Connections;

/// <summary>
/// The connection's input as the server reads it: a read that waits for the socket completes through the reader itself,
/// one read after another on the same connection, and still shows the tracker every buffer; a cancelled or failed read
/// reaches the server as it would have without the reader.
/// </summary>
public sealed class RequestLineRecordingReaderTests
{
    [Fact]
    public async Task ReadsThatWait_EachGetTheirBytes_AndTheTrackerSeesTheRequestLine()
    {
        var pipe = new Pipe();
        var (reader, tracker) = Wrap(pipe.Reader);

        for (var i = 0; i < 3; i++)
        {
            var line = $"GET /v1/models/{i} HTTP/1.1\r\n";
            var read = reader.ReadAsync();
            Assert.False(read.IsCompleted);

            await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes(line));
            var result = await read;

            Assert.Equal(line, Encoding.ASCII.GetString(result.Buffer));
            Assert.Equal(new RejectedRequestLine("GET", $"/v1/models/{i}"), tracker.CurrentRequestLine());
            reader.AdvanceTo(result.Buffer.End);
            tracker.RequestStarted(new Microsoft.AspNetCore.Http.DefaultHttpContext { Request = { Protocol = "HTTP/1.1" } });
        }
    }

    [Fact]
    public async Task AWaitingReadThatIsCancelled_ReturnsCancelled_AndTheNextReadWorks()
    {
        var pipe = new Pipe();
        var (reader, _) = Wrap(pipe.Reader);

        var read = reader.ReadAsync();
        reader.CancelPendingRead();
        var result = await read;
        Assert.True(result.IsCanceled);
        reader.AdvanceTo(result.Buffer.Start);

        await pipe.Writer.WriteAsync("GET / HTTP/1.1\r\n"u8.ToArray());
        result = await reader.ReadAsync();
        Assert.False(result.IsCanceled);
        Assert.Equal("GET / HTTP/1.1\r\n", Encoding.ASCII.GetString(result.Buffer));
    }

    [Fact]
    public async Task AFailedRead_ThrowsAtTheAwait_WhetherItWaitedOrNot()
    {
        var waiting = new Pipe();
        var (reader, _) = Wrap(waiting.Reader);
        var read = reader.ReadAsync();
        await waiting.Writer.CompleteAsync(new IOException("reset"));
        Assert.Equal("reset", (await Assert.ThrowsAsync<IOException>(async () => await read)).Message);

        var failed = new Pipe();
        await failed.Writer.CompleteAsync(new IOException("reset at once"));
        (reader, _) = Wrap(failed.Reader);
        var atOnce = reader.ReadAsync();
        Assert.Equal("reset at once", (await Assert.ThrowsAsync<IOException>(async () => await atOnce)).Message);

        using var cancelled = new CancellationTokenSource();
        (reader, _) = Wrap(new Pipe().Reader);
        var cancelledRead = reader.ReadAsync(cancelled.Token);
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await cancelledRead);
    }

    private static (RequestLineRecordingReader Reader, ConnectionRequestTracker Tracker) Wrap(PipeReader inner)
    {
        var limit = new IdleConnectionLimit(Options.Create(new ConnectionOptions()), TimeProvider.System, NullLogger<IdleConnectionLimit>.Instance);
        var tracker = new ConnectionRequestTracker(new DefaultConnectionContext(), limit);
        return (new RequestLineRecordingReader(inner, tracker), tracker);
    }
}
