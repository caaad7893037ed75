using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Proxy.Requests;

/// <summary>
/// The client's <c>X-Client-Request-Id</c>, which the AI/ML API echoes when it is 1 to 128 characters
/// of <c>[A-Za-z0-9._:-]</c> and drops otherwise; the proxy does the same, so a value that could
/// split a header line or a log line never goes anywhere.
/// </summary>
internal static class ClientRequestId
{
    public const int MaxLength = 128;

    private static readonly SearchValues<char> s_allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-");

    /// <summary>The request's one well-formed <c>X-Client-Request-Id</c>, or null when it has none, several, or a malformed one.</summary>
    public static string? Of(HttpRequest request)
    {
        var values = request.Headers[ProxyHeaderNames.ClientRequestId];
        return values.Count == 1 && values[0] is { } value && IsValid(value) ? value : null;
    }

    private static bool IsValid(ReadOnlySpan<char> value) =>
        value.Length is > 0 and <= MaxLength && !value.ContainsAnyExcept(s_allowed);
}
