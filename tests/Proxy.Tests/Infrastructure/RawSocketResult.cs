namespace Proxy.Tests.Infrastructure;

/// <summary>
/// What came back on a raw socket: the bytes as text, the status line, the parsed response when there was a whole
/// head, how long it took, and how the connection ended.
/// </summary>
internal sealed record RawSocketResult(string Text, TimeSpan Elapsed, bool Reset, bool TimedOut)
{
    /// <summary>The first line, as the server wrote it (for example <c>HTTP/1.1 400 Bad Request</c>); empty when nothing came.</summary>
    public string StatusLine => Text.IndexOf("\r\n", StringComparison.Ordinal) is var end and >= 0 ? Text[..end] : Text;

    public bool HasHead => Text.Contains("\r\n\r\n", StringComparison.Ordinal);

    public RawHttpResponse Response => HasHead
        ? RawHttpResponse.Parse(Text)
        : throw new Xunit.Sdk.XunitException($"No complete response head (reset: {Reset}, timed out: {TimedOut}): '{Text}'");
}
