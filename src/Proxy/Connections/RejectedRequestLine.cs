using System.Globalization;
using System.Text;

namespace Proxy.Connections;

/// <summary>
/// The method and path of a request the server refused, read from its first line as the client sent it. The path
/// has no query (it could carry a key) and every byte outside printable ASCII percent-encoded, so that what a
/// refused request sent can be shown in a body, a record or a log line without being trusted.
/// </summary>
internal sealed record RejectedRequestLine(string Method, string Path)
{
    private const int MaxMethodLength = 32;

    public static RejectedRequestLine Parse(ReadOnlySpan<byte> line, bool cut)
    {
        if (!cut && line.EndsWith((byte)'\r'))
        {
            line = line[..^1];
        }

        var methodEnd = line.IndexOf((byte)' ');
        var method = methodEnd is > 0 and <= MaxMethodLength && IsToken(line[..methodEnd]) ? Encoding.ASCII.GetString(line[..methodEnd]) : string.Empty;
        if (methodEnd < 0)
        {
            return new RejectedRequestLine(method, "/");
        }

        var target = line[(methodEnd + 1)..];
        var targetEnd = target.IndexOf((byte)' ');
        var targetCut = cut && targetEnd < 0;
        return new RejectedRequestLine(method, PathOf(targetEnd < 0 ? target : target[..targetEnd], targetCut));
    }

    private static string PathOf(ReadOnlySpan<byte> target, bool cut)
    {
        // Query and fragment go first, whatever the form: a key in either must not come back as part of a path.
        var queryStart = target.IndexOfAny((byte)'?', (byte)'#');
        if (queryStart >= 0)
        {
            target = target[..queryStart];
            cut = false;
        }

        if (target.SequenceEqual("*"u8))
        {
            return "*";
        }

        if (target.IsEmpty || target[0] != (byte)'/')
        {
            // Absolute form (scheme "://" authority path) names a path after its authority; any other form names none.
            var schemeEnd = target.IndexOf("://"u8);
            var authorityAndPath = schemeEnd > 0 && IsScheme(target[..schemeEnd]) ? target[(schemeEnd + 3)..] : default;
            var pathStart = authorityAndPath.IndexOf((byte)'/');
            if (pathStart < 0)
            {
                return "/";
            }

            target = authorityAndPath[pathStart..];
        }

        var path = new StringBuilder(target.Length + 8);
        foreach (var value in target)
        {
            if (value is > 0x20 and < 0x7F)
            {
                path.Append((char)value);
            }
            else
            {
                path.Append('%').Append(value.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return cut ? path.Append('\u2026').ToString() : path.ToString();
    }

    /// <summary>RFC 3986 section 3.1: a letter, then letters, digits, "+", "-" or ".".</summary>
    private static bool IsScheme(ReadOnlySpan<byte> value)
    {
        if (!char.IsAsciiLetter((char)value[0]))
        {
            return false;
        }

        foreach (var b in value)
        {
            if (!char.IsAsciiLetterOrDigit((char)b) && b is not ((byte)'+' or (byte)'-' or (byte)'.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 9110 token characters, what a method is made of.</summary>
    private static bool IsToken(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (b is < 0x21 or > 0x7E || "\"(),/:;<=>?@[\\]{}"u8.Contains(b))
            {
                return false;
            }
        }

        return true;
    }
}
