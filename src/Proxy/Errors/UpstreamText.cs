using System.Text;
using System.Text.Json;
using Proxy.Forwarding;

namespace Proxy.Errors;

/// <summary>
/// Bounds every value taken from an upstream error before it reaches a response, a record or a log line, redacting
/// credentials first: an upstream can send a message, a type or a request id of any length (a 17,000-character
/// request id became a header Node's HTTP client refuses; a 20 KB type and code, a 40 KB error body).
/// </summary>
internal static class UpstreamText
{
    /// <summary>Cut so that the JSON-escaped UTF-8 form, as the error body writes it, fits <paramref name="maxEscapedBytes"/>.</summary>
    public static string? ForJson(string? text, int maxEscapedBytes, CredentialRedactor redactor)
    {
        text = redactor.Redact(text);
        if (text is null)
        {
            return null;
        }

        // A lone surrogate (JSON allows "\ud83d" alone) cannot be written as UTF-8; it becomes U+FFFD, as any encoder makes it.
        if (text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            text = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
        }

        if (EscapedLength(text) <= maxEscapedBytes)
        {
            return text;
        }

        // The longest prefix that fits; escaping only grows with the prefix, so a binary search finds it. Every char
        // takes at least one byte, so no prefix longer than the bound can fit.
        int low = 0, high = Math.Min(text.Length, maxEscapedBytes);
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            var end = char.IsHighSurrogate(text[middle - 1]) ? middle - 1 : middle;
            if (EscapedLength(text.AsSpan(0, end)) <= maxEscapedBytes)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        if (low > 0 && char.IsHighSurrogate(text[low - 1]))
        {
            low--;
        }

        return text[..low];
    }

    /// <summary>
    /// A request id as it may go into <c>x-upstream-request-id</c>: visible ASCII (anything else, CR and LF included,
    /// percent-encoded from its bytes in <paramref name="bytesOf"/>), at most <see cref="UpstreamErrorParser.MaxRequestIdLength"/>
    /// characters, never cut inside a <c>%XX</c>.
    /// </summary>
    public static string? RequestId(string? text, Encoding bytesOf, CredentialRedactor redactor)
    {
        text = redactor.Redact(text);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var visible = VisibleAscii.Encode(text, bytesOf, keepSpaces: false);
        if (visible.Length <= UpstreamErrorParser.MaxRequestIdLength)
        {
            return visible;
        }

        var end = UpstreamErrorParser.MaxRequestIdLength;
        end -= visible[end - 1] == '%' ? 1 : visible[end - 2] == '%' ? 2 : 0;
        return visible[..end];
    }

    private static int EscapedLength(ReadOnlySpan<char> text) =>
        JsonEncodedText.Encode(text, ErrorJsonContext.BodyEncoder).EncodedUtf8Bytes.Length;
}
