using Proxy.Forwarding;

namespace Proxy.Usage;

/// <summary>
/// Passes a JSON response body to the client byte for byte and keeps only its last <see cref="TailLength"/> bytes, where
/// OpenAI-compatible answers put <c>usage</c>: the tokens are read from them once the body has gone by, without ever
/// buffering the body.
/// </summary>
internal sealed class JsonUsageTail(Stream inner) : WatchedResponseBody(inner)
{
    /// <summary>A chat completion's <c>usage</c>, details included, is a few hundred bytes; only what follows it shares the window.</summary>
    public const int TailLength = 4096;

    private readonly byte[] _ring = new byte[TailLength];
    private int _next;
    private bool _wrapped;

    /// <summary>The usage in the body's last bytes, once it has all gone by.</summary>
    public bool TryReadUsage(out TokenUsage usage)
    {
        if (!_wrapped)
        {
            return TokenUsage.TryFind(_ring.AsSpan(0, _next), out usage);
        }

        var tail = new byte[TailLength];
        _ring.AsSpan(_next).CopyTo(tail);
        _ring.AsSpan(0, _next).CopyTo(tail.AsSpan(TailLength - _next));
        return TokenUsage.TryFind(tail, out usage);
    }

    protected override void Observe(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= TailLength)
        {
            bytes[^TailLength..].CopyTo(_ring);
            (_next, _wrapped) = (0, true);
            return;
        }

        var first = Math.Min(bytes.Length, TailLength - _next);
        bytes[..first].CopyTo(_ring.AsSpan(_next));
        bytes[first..].CopyTo(_ring);
        _wrapped |= _next + bytes.Length >= TailLength;
        _next = (_next + bytes.Length) % TailLength;
    }
}
