using System.Buffers;

namespace Proxy.Tokens;

/// <summary>
/// A request body read whole before the call, forwarded from memory: the array is rented from
/// <see cref="ArrayPool{T}.Shared"/> and given back when the stream is disposed, with the response.
/// </summary>
internal sealed class BufferedRequestBody : MemoryStream
{
    private byte[]? _rented;

    public BufferedRequestBody(byte[] rented, int length)
        : base(rented, 0, length, writable: false)
    {
        _rented = rented;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Interlocked.Exchange(ref _rented, null) is { } rented)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
