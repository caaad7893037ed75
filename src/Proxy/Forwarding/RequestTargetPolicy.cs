using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Proxy.Errors;
using Proxy.Requests;

namespace Proxy.Forwarding;

/// <summary>
/// Decides whether a request target may be forwarded: only origin-form paths under an allowed prefix,
/// judged on the raw target as the client sent it. Kestrel removes dot segments before routing
/// (<c>/v1/../admin</c> arrives as <c>/admin</c>), so the decoded path alone cannot show an escape attempt.
/// </summary>
internal sealed class RequestTargetPolicy
{
    private static readonly SearchValues<char> s_controlCharacters = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000B\f\r\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F");

    // Encoded '.', '/' and '\' only ever serve to smuggle a segment past a path check (RFC 3986 section 6.2.2.2
    // lets a server decode them), and so do their double encodings (%252e), which a second decoding hop turns
    // back into them; a backslash is a separator to some servers, and an empty segment ("//") turns into a
    // scheme-relative URL in naive URL joins.
    private static readonly string[] s_escapeSequences = ["%2e", "%2f", "%5c", "%252e", "%252f", "%255c", "\\", "//"];

    private readonly string[] _prefixes;
    private readonly string _prefixList;

    public RequestTargetPolicy(IOptions<ForwardingOptions> options)
    {
        _prefixes = options.Value.ParsePrefixes();
        _prefixList = string.Join(", ", _prefixes);
    }

    public ProxyError? Check(HttpContext context)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(rawTarget) && rawTarget[0] != '/')
        {
            // Absolute-form (http://other-host/...), authority-form (CONNECT host:port) and asterisk-form targets.
            return ErrorCatalog.NotFound("only a path under " + _prefixList + " can be requested here.");
        }

        var clientPath = ProxyRequestFeature.Get(context).ClientPath;
        if (EscapesPrefix(clientPath))
        {
            return ErrorCatalog.NotFound("the path may not contain dot segments, empty segments or encoded separators.");
        }

        if (!IsValidUtf8(clientPath))
        {
            // Overlong forms such as %c0%ae ('.') are how escapes hide from checks that decode differently.
            return ErrorCatalog.BadRequest("the path is not valid percent-encoded UTF-8.");
        }

        var path = context.Request.Path.Value ?? string.Empty;
        if (path.AsSpan().ContainsAny(s_controlCharacters))
        {
            return ErrorCatalog.BadRequest("the path contains control characters.");
        }

        foreach (var prefix in _prefixes)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                return null;
            }
        }

        return ErrorCatalog.NotFound("the path is outside " + _prefixList + ".");
    }

    /// <summary>Whether the raw path, percent-decoded, is well-formed UTF-8 (which rules out overlong encodings).</summary>
    private static bool IsValidUtf8(string rawPath)
    {
        if (!rawPath.Contains('%', StringComparison.Ordinal))
        {
            return true;
        }

        var bytes = rawPath.Length <= 512 ? stackalloc byte[rawPath.Length] : new byte[rawPath.Length];
        var length = 0;
        for (var i = 0; i < rawPath.Length; i++)
        {
            if (rawPath[i] == '%' && i + 2 < rawPath.Length && byte.TryParse(rawPath.AsSpan(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var decoded))
            {
                bytes[length++] = decoded;
                i += 2;
            }
            else
            {
                bytes[length++] = (byte)rawPath[i];
            }
        }

        return System.Text.Unicode.Utf8.IsValid(bytes[..length]);
    }

    private static bool EscapesPrefix(ReadOnlySpan<char> rawPath)
    {
        foreach (var sequence in s_escapeSequences)
        {
            if (rawPath.Contains(sequence, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        foreach (var range in rawPath.Split('/'))
        {
            // "..;x" is a dot segment to servers that strip path parameters (Tomcat, Spring).
            var segment = rawPath[range];
            var parameters = segment.IndexOf(';');
            if ((parameters < 0 ? segment : segment[..parameters]) is "." or "..")
            {
                return true;
            }
        }

        return false;
    }
}
