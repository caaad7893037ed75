using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// An upstream that reads request bodies by their own framing and records whether each one arrived whole, which
/// no HTTP framework reports: a Kestrel endpoint just sees its read fail. It answers 200 only to a complete body, so
/// a proxy that passed on part of a body as if it were all would show up here as a complete record of the wrong size.
/// </summary>
internal sealed class BodyRecordingUpstream : IAsyncDisposable
{
    private static readonly TimeSpan s_longestRequest = TimeSpan.FromSeconds(60);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    public BodyRecordingUpstream()
    {
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Targets whose request head arrived, in order; a body is recorded in <see cref="Bodies"/> once it ends.</summary>
    public ConcurrentQueue<string> Heads { get; } = new();

    public ConcurrentQueue<UpstreamBody> Bodies { get; } = new();

    /// <summary>The record of the body sent to <paramref name="target"/>, once its connection ended or its body completed.</summary>
    public async Task<UpstreamBody> WaitForBodyAsync(string target, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Bodies.FirstOrDefault(body => body.Target == target) is { } found)
            {
                return found;
            }

            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException($"No body for {target} ended within {timeout}; heads seen: {string.Join(", ", Heads)}");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ReceiveAsync(client));
        }
    }

    private async Task ReceiveAsync(TcpClient client)
    {
        using (client)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
        {
            timeout.CancelAfter(s_longestRequest);
            var reader = new BufferedReader(client.GetStream(), timeout.Token);
            string? target = null;
            var framing = "none";
            var complete = false;
            try
            {
                var head = await reader.ReadHeadAsync();
                if (head is null)
                {
                    return;
                }

                var lines = head.Split("\r\n");
                target = lines[0].Split(' ') is [_, var path, ..] ? path : "?";
                Heads.Enqueue(target);
                var headers = lines.Skip(1)
                    .Select(line => line.Split(':', 2))
                    .Where(parts => parts.Length == 2)
                    .ToLookup(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.OrdinalIgnoreCase);

                if (headers["Transfer-Encoding"].Any(value => value.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
                {
                    framing = "chunked";
                    while (true)
                    {
                        var sizeLine = await reader.ReadLineAsync() ?? throw new EndOfStreamException();
                        var size = long.Parse(sizeLine.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                        if (size == 0)
                        {
                            // Trailers, if any, end with an empty line.
                            while (!string.IsNullOrEmpty(await reader.ReadLineAsync() ?? throw new EndOfStreamException()))
                            {
                            }

                            complete = true;
                            break;
                        }

                        if (await reader.SkipAsync(size) < size)
                        {
                            throw new EndOfStreamException();
                        }

                        if (await reader.ReadLineAsync() is not "")
                        {
                            throw new EndOfStreamException();
                        }
                    }
                }
                else if (headers["Content-Length"].FirstOrDefault() is { } declared)
                {
                    var length = long.Parse(declared, CultureInfo.InvariantCulture);
                    framing = "content-length " + declared;
                    complete = await reader.SkipAsync(length) == length;
                }
                else
                {
                    complete = true;
                }

                if (complete)
                {
                    var body = Encoding.ASCII.GetBytes("{\"bytes\":" + reader.BodyBytes.ToString(CultureInfo.InvariantCulture) + "}");
                    var response = Encoding.ASCII.GetBytes(
                        $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                    await client.GetStream().WriteAsync(response.Concat(body).ToArray(), timeout.Token);
                }
            }
            catch (Exception e) when (e is IOException or EndOfStreamException or OperationCanceledException or SocketException or FormatException)
            {
                // The connection ended (or broke) before the framing said the body was whole.
            }
            finally
            {
                if (target is not null)
                {
                    Bodies.Enqueue(new UpstreamBody(target, framing, reader.BodyBytes, complete));
                }
            }
        }
    }

    /// <summary>Reads lines and counted bytes off one stream through one buffer.</summary>
    private sealed class BufferedReader(NetworkStream stream, CancellationToken cancellationToken)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        /// <summary>Body bytes read so far, chunk framing excluded.</summary>
        public long BodyBytes { get; private set; }

        public async Task<string?> ReadHeadAsync()
        {
            var head = new StringBuilder();
            while (await ReadLineAsync() is { } line)
            {
                if (line.Length == 0)
                {
                    return head.ToString();
                }

                head.Append(head.Length == 0 ? string.Empty : "\r\n").Append(line);
            }

            return head.Length == 0 ? null : throw new EndOfStreamException();
        }

        public async Task<string?> ReadLineAsync()
        {
            var line = new StringBuilder();
            while (true)
            {
                if (_start == _end && !await FillAsync())
                {
                    return line.Length == 0 ? null : throw new EndOfStreamException();
                }

                var b = _buffer[_start++];
                if (b == '\n')
                {
                    return line.ToString().TrimEnd('\r');
                }

                line.Append((char)b);
            }
        }

        /// <summary>Reads up to <paramref name="count"/> bytes and drops them; returns how many there were.</summary>
        public async Task<long> SkipAsync(long count)
        {
            long skipped = 0;
            while (skipped < count)
            {
                if (_start == _end && !await FillAsync())
                {
                    return skipped;
                }

                var take = (int)Math.Min(count - skipped, _end - _start);
                _start += take;
                skipped += take;
                BodyBytes += take;
            }

            return skipped;
        }

        private async Task<bool> FillAsync()
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken);
            return _end > 0;
        }
    }
}
