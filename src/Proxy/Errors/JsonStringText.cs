using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Proxy.Errors;

/// <summary>
/// The text of a JSON string from a client or the upstream. A string that is not valid text (a lone surrogate escaped,
/// bytes that are not UTF-8) is still what was sent: it is kept as written, escapes and all, with its invalid bytes
/// replaced, never taken for a fault; the reader's own text would throw.
/// </summary>
internal static class JsonStringText
{
    public static string Of(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString() ?? "";
        }
        catch (InvalidOperationException)
        {
            return Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
        }
    }

    public static string Of(JsonElement element)
    {
        try
        {
            return element.GetString() ?? "";
        }
        catch (InvalidOperationException)
        {
            return Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(element)[1..^1]);
        }
    }
}
