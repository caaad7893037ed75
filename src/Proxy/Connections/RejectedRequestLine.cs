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
        if (target.SequenceEqual("*"u8))
        {
            return "*";
        }

        if (!target.IsEmpty && target[0] != (byte)'/' && target.IndexOf("://"u8) is var schemeEnd and >= 0)
        {
            // Absolute form: the path starts after the authority.
            var afterScheme = target[(schemeEnd + 3)..];
            var pathStart = afterScheme.IndexOf((byte)'/');
            target = pathStart < 0 ? "/"u8 : afterScheme[pathStart..];
        }
        else if (target.IsEmpty || target[0] != (byte)'/')
        {
            // Authority form (CONNECT host:port) names no path.
            return "/";
        }

        var queryStart = target.IndexOf((byte)'?');
        if (queryStart >= 0)
        {
            target = target[..queryStart];
            cut = false;
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
