using System.Text;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// Bytes a hostile client or a broken upstream may send where JSON is expected, each put at the field a parser looks
/// for: every parser of client or upstream bytes takes them as data, never as a fault.
/// </summary>
public static class MalformedJson
{
    private static readonly Dictionary<string, byte[]> s_values = new()
    {
        ["lone high surrogate escaped"] = Ascii("\"\\ud800\""),
        ["lone low surrogate escaped"] = Ascii("\"a\\udc00b\""),
        ["invalid UTF-8"] = [(byte)'"', 0xFF, 0xFE, (byte)'x', (byte)'"'],
        ["overlong UTF-8"] = [(byte)'"', 0xC0, 0x80, (byte)'"'],
        ["UTF-8 cut mid-character"] = [(byte)'"', 0xE2, 0x82, (byte)'"'],
        ["NUL byte in a string"] = [(byte)'"', 0x00, (byte)'"'],
        ["property name with a lone surrogate"] = Ascii("{\"\\ud800\":1,\"\\udfff\":\"\\ud800\"}"),
        ["property name of invalid UTF-8"] = [(byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}'],
        ["deep nesting"] = Ascii(new string('[', 100_000)),
        ["deep nesting closed"] = Ascii(new string('[', 5_000) + new string(']', 5_000)),
        ["nesting past a reader's default depth"] = Ascii(new string('[', 100) + new string(']', 100)),
        ["huge number"] = Ascii("1e400"),
        ["huge negative number"] = Ascii("-1e400"),
        ["integer past Int64"] = Ascii("9223372036854775808"),
        ["long integer"] = Ascii(new string('9', 10_000)),
        ["negative integer"] = Ascii("-9223372036854775808"),
        ["fraction"] = Ascii("0.5"),
        ["truncated string"] = Ascii("\"abc"),
        ["truncated escape"] = Ascii("\"\\u12"),
        ["truncated after the colon"] = [],
        ["not JSON"] = [0x1F, 0x8B, 0x08, 0x00, 0xFF, 0x00, (byte)'}', (byte)']'],
    };

    /// <summary>The cases' names, for a theory.</summary>
    public static TheoryData<string> Cases => new(s_values.Keys);

    /// <summary>
    /// A document whose field at <paramref name="path"/> (objects nested by name) holds the named value. A truncated value
    /// ends the document there; otherwise the document is closed, so that only the value is wrong.
    /// </summary>
    public static byte[] At(string name, params string[] path)
    {
        var value = s_values[name];
        var document = new List<byte>();
        foreach (var field in path)
        {
            document.AddRange(Ascii($"{{\"{field}\":"));
        }

        document.AddRange(value);
        if (!name.StartsWith("truncated", StringComparison.Ordinal))
        {
            document.AddRange(Ascii(new string('}', path.Length)));
        }

        return [.. document];
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}
