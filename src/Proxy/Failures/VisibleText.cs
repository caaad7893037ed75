using System.Buffers;
using System.Globalization;
using System.Text;

namespace Proxy.Failures;

/// <summary>
/// Text from a client or the upstream made safe for a log line: every control character (C0, DEL, C1) and the
/// Unicode line and paragraph separators become visible escapes (<c>\n</c>, <c>\r</c>, <c>\t</c>, else <c>\u0085</c>),
/// so no value can end a console log line and forge the next. A backslash is left as it is: the
/// result is for reading, not for recovering the original exactly.
/// </summary>
internal static class VisibleText
{
    private static readonly SearchValues<char> s_invisible = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(code => (char)code)) + "\u2028\u2029");

    /// <summary><paramref name="text"/> itself when it has nothing to escape, which is almost always.</summary>
    public static string Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = text.AsSpan().IndexOfAny(s_invisible);
        if (first < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16).Append(text, 0, first);
        foreach (var c in text.AsSpan(first))
        {
            if (EscapeOf(c) is { } escape)
            {
                builder.Append(escape);
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>What <paramref name="c"/> becomes, or null when it is shown as it is.</summary>
    public static string? EscapeOf(char c) => !s_invisible.Contains(c) ? null : c switch
    {
        '\n' => @"\n",
        '\r' => @"\r",
        '\t' => @"\t",
        _ => @"\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
    };
}
