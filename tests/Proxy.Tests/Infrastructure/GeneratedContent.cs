using System.Net;

namespace Proxy.Tests.Infrastructure;

/// <summary>A request body of a given size, generated as it is sent, so the test itself holds none of it.</summary>
internal sealed class GeneratedContent(long length, bool declareLength = true) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'y');
        for (var remaining = length; remaining > 0; remaining -= chunk.Length)
        {
            await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, remaining)));
        }
    }

    protected override bool TryComputeLength(out long computed)
    {
        computed = length;
        return declareLength;
    }
}
