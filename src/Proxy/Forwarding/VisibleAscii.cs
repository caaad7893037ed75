using System.Buffers;
using System.Text;

namespace Proxy.Forwarding;

/// <summary>
/// Percent-encodes what cannot go into a response header as it is. RFC 9110 section 5.5 keeps bytes over 0x7F
/// (obs-text) only for compatibility; Kestrel refuses to write them and Node's HTTP client refuses control bytes, so
/// a value carrying one would cost the client a response the upstream gave. Encoded, the value is ASCII and still
/// says which bytes it held (<c>caf%E9</c>).
/// </summary>
internal static class VisibleAscii
{
    private static readonly SearchValues<char> s_visible = SearchValues.Create(Range('!', '~'));
    private static readonly SearchValues<char> s_visibleOrSpace = SearchValues.Create(" \t" + Range('!', '~'));

    public static bool IsClean(ReadOnlySpan<char> value, bool keepSpaces) =>
        !value.ContainsAnyExcept(keepSpaces ? s_visibleOrSpace : s_visible);

    /// <summary>
    /// <paramref name="value"/> unchanged when it is clean; else its bytes in <paramref name="bytesOf"/> (Latin-1 for a
    /// header, whose chars are its bytes; UTF-8 for text from a body), each byte that is not clean, and <c>%</c>, as <c>%XX</c>.
    /// </summary>
    public static string Encode(string value, Encoding bytesOf, bool keepSpaces)
    {
        if (IsClean(value, keepSpaces))
        {
            return value;
        }

        var allowed = keepSpaces ? s_visibleOrSpace : s_visible;
        var bytes = bytesOf.GetBytes(value);
        var encoded = new StringBuilder(bytes.Length + 16);
        foreach (var b in bytes)
        {
            if (b < 0x80 && b != '%' && allowed.Contains((char)b))
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }

    private static string Range(char first, char last) =>
        string.Create(last - first + 1, first, (span, start) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)(start + i);
            }
        });
}
