using System.Buffers;
using System.IO.Compression;
using Proxy.Forwarding;

namespace Proxy.Errors;

/// <summary>
/// Reads the start of an upstream error response, decompressed, so that its message can be kept. Error bodies are
/// small: no more than <see cref="UpstreamOptions.MaxErrorBodySize"/> bytes are read, for no longer than
/// <see cref="UpstreamOptions.ErrorBodyTimeout"/>. A body that stalls, breaks off or does not decompress gives no
/// details, and the client still gets the upstream's status (a stalled 500 body once became a 502 after the
/// full upstream timeout).
/// </summary>
internal static class UpstreamErrorReader
{
    public static async Task<UpstreamErrorDetails> ReadAsync(
        HttpResponseMessage response, UpstreamOptions options, CredentialRedactor redactor, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var maxBytes = options.MaxErrorBodySize;
        var buffer = ArrayPool<byte>.Shared.Rent(maxBytes);
        using var stall = new CancellationTokenSource(options.ErrorBodyTimeout, timeProvider);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);
        try
        {
            await using var raw = await response.Content.ReadAsStreamAsync(reading.Token);
            await using var body = Decode(raw, response.Content.Headers.ContentEncoding);
            var length = await body.ReadAtLeastAsync(buffer.AsMemory(0, maxBytes), maxBytes, throwOnEndOfStream: false, reading.Token);
            return UpstreamErrorParser.Parse(buffer.AsSpan(0, length), redactor);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or HttpRequestException or OperationCanceledException)
        {
            // Canceled: the body's own timeout, the upstream timeout, or the client gone; the caller tells the last apart.
            return UpstreamErrorDetails.Empty;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Stream Decode(Stream body, ICollection<string> contentEncoding)
    {
        // The client's Accept-Encoding goes upstream unchanged, so an error body may come compressed.
        var encoding = contentEncoding.LastOrDefault();
        return encoding?.ToLowerInvariant() switch
        {
            "gzip" => new GZipStream(body, CompressionMode.Decompress),
            "deflate" => new ZLibStream(body, CompressionMode.Decompress),
            "br" => new BrotliStream(body, CompressionMode.Decompress),
            _ => body,
        };
    }
}
