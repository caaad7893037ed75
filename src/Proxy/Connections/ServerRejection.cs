using System.Buffers.Text;
using System.Text;

namespace Proxy.Connections;

/// <summary>
/// A refusal the server (Kestrel) made itself, before any handler ran: a request that breaks HTTP/1.1, or is over one
/// of the server's limits. It answers those with a status line and an empty body; this recognises that answer.
/// </summary>
/// <param name="StatusCode">The status the server chose.</param>
/// <param name="Allow">The server's <c>Allow</c> header, which a 405 must carry (RFC 9110 section 15.5.6); null when it sent none.</param>
internal readonly record struct ServerRejection(int StatusCode, string? Allow)
{
    /// <summary>A bare refusal is one short head; anything longer is something else.</summary>
    private const int MaxHeadLength = 1024;

    /// <summary>
    /// True when <paramref name="written"/> is exactly one head with an error status, an empty body and a closed
    /// connection, and no request id: a response the proxy's handler made always carries one.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> written, out ServerRejection rejection)
    {
        rejection = default;
        if (written.Length > MaxHeadLength
            || !written.StartsWith("HTTP/1.1 "u8)
            || written.IndexOf("\r\n\r\n"u8) != written.Length - 4
            || written.IndexOf("\r\nContent-Length: 0\r\n"u8) < 0
            || written.IndexOf("\r\nConnection: close\r\n"u8) < 0
            || written.IndexOf("\r\nx-request-id:"u8) >= 0
            || !Utf8Parser.TryParse(written.Slice(9, 3), out int status, out var digits)
            || digits != 3
            || status < 400)
        {
            return false;
        }

        rejection = new ServerRejection(status, HeaderValue(written, "\r\nAllow: "u8));
        return true;
    }

    private static string? HeaderValue(ReadOnlySpan<byte> head, ReadOnlySpan<byte> nameWithSeparator)
    {
        var start = head.IndexOf(nameWithSeparator);
        if (start < 0)
        {
            return null;
        }

        var value = head[(start + nameWithSeparator.Length)..];
        return Encoding.ASCII.GetString(value[..value.IndexOf("\r\n"u8)]);
    }
}
