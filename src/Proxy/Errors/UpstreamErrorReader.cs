using System.Buffers;
using System.IO.Compression;

namespace Proxy.Errors;

/// <summary>
/// Reads the start of an upstream error response, decompressed, so that its message can be kept.
/// Error bodies are small; anything past <see cref="MaxBytes"/> is not read.
/// </summary>
internal static class UpstreamErrorReader
{
    public const int MaxBytes = 64 * 1024;

    public static async Task<UpstreamErrorDetails> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxBytes);
        try
        {
            await using var raw = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using var body = Decode(raw, response.Content.Headers.ContentEncoding);
            var length = await body.ReadAtLeastAsync(buffer.AsMemory(0, MaxBytes), MaxBytes, throwOnEndOfStream: false, cancellationToken);
            return UpstreamErrorParser.Parse(buffer.AsSpan(0, length));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or HttpRequestException)
        {
            // A body that breaks off or does not decompress still leaves the status, which is what counts.
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
