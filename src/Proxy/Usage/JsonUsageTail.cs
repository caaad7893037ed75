using System.Buffers;
using Proxy.Forwarding;

namespace Proxy.Usage;

/// <summary>
/// Passes a JSON response body to the client byte for byte and keeps only its last <see cref="TailLength"/> bytes, where
/// OpenAI-compatible answers put <c>usage</c>: the tokens are read from them once the body has gone by, without ever
/// buffering the body.
/// </summary>
/// <remarks>
/// The window is rented from <see cref="ArrayPool{T}.Shared"/> at the first write and given back on dispose: every JSON
/// answer needs one, so a new array each time was most of what a request allocated. <see cref="TryReadUsage"/> is meant
/// for the end of the body, before the response's disposables run; after dispose the window is gone, so it finds no
/// usage, and a later write still reaches the client unchanged but is not watched (nothing is rented again).
/// </remarks>
internal sealed class JsonUsageTail(Stream inner) : WatchedResponseBody(inner)
{
    /// <summary>A chat completion's <c>usage</c>, details included, is a few hundred bytes; only what follows it shares the window.</summary>
    public const int TailLength = 4096;

    // The pool may hand out a larger array: only its first TailLength bytes are the window.
    private byte[]? _ring;
    private int _next;
    private bool _wrapped;
    private bool _disposed;

    /// <summary>The usage in the body's last bytes, once it has all gone by; none once disposed.</summary>
    public bool TryReadUsage(out TokenUsage usage)
    {
        if (_ring is not { } ring)
        {
            usage = default;
            return false;
        }

        var window = ring.AsSpan(0, TailLength);
        if (!_wrapped)
        {
            return TokenUsage.TryFind(window[.._next], out usage);
        }

        // Rotated in place so that the oldest byte comes first, instead of copied into a second array; the window stays
        // a valid ring (oldest byte at _next = 0), so writes after a read still append correctly.
        window[.._next].Reverse();
        window[_next..].Reverse();
        window.Reverse();
        _next = 0;
        return TokenUsage.TryFind(window, out usage);
    }

    protected override void Observe(ReadOnlySpan<byte> bytes)
    {
        if (_disposed || bytes.IsEmpty)
        {
            return;
        }

        var window = (_ring ??= ArrayPool<byte>.Shared.Rent(TailLength)).AsSpan(0, TailLength);
        if (bytes.Length >= TailLength)
        {
            bytes[^TailLength..].CopyTo(window);
            (_next, _wrapped) = (0, true);
            return;
        }

        var first = Math.Min(bytes.Length, TailLength - _next);
        bytes[..first].CopyTo(window[_next..]);
        bytes[first..].CopyTo(window);
        _wrapped |= _next + bytes.Length >= TailLength;
        _next = (_next + bytes.Length) % TailLength;
    }

    protected override void Dispose(bool disposing)
    {
        // Once only, so that the window cannot go back to the pool twice and end up shared by two responses.
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (_ring is { } ring)
            {
                _ring = null;
                ArrayPool<byte>.Shared.Return(ring);
            }
        }

        base.Dispose(disposing);
    }
}
