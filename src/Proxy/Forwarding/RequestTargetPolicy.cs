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
        if (HasStrayPercent(clientPath))
        {
            // "%2%65" is not percent-encoding at all (RFC 3986 section 2.1), and a server that decodes the valid part
            // of it ("%65") makes "%2e" out of it: no spelling that servers disagree on is forwarded.
            return ErrorCatalog.BadRequest("the path has a '%' that is not followed by two hex digits.");
        }

        var decoded = DecodeOnce(clientPath);
        if (EscapesPrefixInAnyDecoding(clientPath, decoded))
        {
            return ErrorCatalog.NotFound("the path may not contain dot segments, empty segments or encoded separators.");
        }

        if (!IsUtf8(decoded))
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

    /// <summary>
    /// Whether a path decoded once, byte for character, is well-formed UTF-8 (which rules out overlong encodings).
    /// The raw target is ASCII, so each character stands for one byte.
    /// </summary>
    private static bool IsUtf8(string decoded)
    {
        if (System.Text.Ascii.IsValid(decoded))
        {
            return true;
        }

        var bytes = decoded.Length <= 512 ? stackalloc byte[decoded.Length] : new byte[decoded.Length];
        for (var i = 0; i < decoded.Length; i++)
        {
            if (decoded[i] > byte.MaxValue)
            {
                return false;
            }

            bytes[i] = (byte)decoded[i];
        }

        return System.Text.Unicode.Utf8.IsValid(bytes);
    }

    private static bool HasStrayPercent(string rawPath)
    {
        for (var i = rawPath.IndexOf('%', StringComparison.Ordinal); i >= 0; i = rawPath.IndexOf('%', i + 1))
        {
            if (i + 2 >= rawPath.Length || !char.IsAsciiHexDigit(rawPath[i + 1]) || !char.IsAsciiHexDigit(rawPath[i + 2]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the path, or what any number of further percent-decoding hops would make of it (the first one given),
    /// escapes the prefix.
    /// Each hop shortens a path that still has a percent sequence, so the loop ends.
    /// </summary>
    private static bool EscapesPrefixInAnyDecoding(string rawPath, string firstHop)
    {
        var (layer, decoded) = (rawPath, firstHop);
        while (true)
        {
            if (EscapesPrefix(layer))
            {
                return true;
            }

            if (decoded.Length == layer.Length)
            {
                return false;
            }

            (layer, decoded) = (decoded, DecodeOnce(decoded));
        }
    }

    /// <summary>One percent-decoding hop, byte for character: enough to see the ASCII separators a hop would reveal.</summary>
    private static string DecodeOnce(string path)
    {
        if (!path.Contains('%', StringComparison.Ordinal))
        {
            return path;
        }

        var builder = new System.Text.StringBuilder(path.Length);
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == '%' && i + 2 < path.Length && char.IsAsciiHexDigit(path[i + 1]) && char.IsAsciiHexDigit(path[i + 2]))
            {
                builder.Append((char)Convert.ToByte(path.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                builder.Append(path[i]);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Whether one layer of the path has an encoded '.', '/' or '\' (either case), a backslash, an empty segment, or a dot
    /// segment ("." or "..", path parameters aside): all in one pass, since every request's path goes through it.
    /// </summary>
    private static bool EscapesPrefix(ReadOnlySpan<char> path)
    {
        // Encoded '.', '/' and '\' only ever serve to smuggle a segment past a path check (RFC 3986 section 6.2.2.2
        // lets a server decode them); a backslash is a separator to some servers, and an empty segment ("//") turns
        // into a scheme-relative URL in naive URL joins. Their double encodings (%252e, %25%32%65) are caught by
        // checking every decoding of the path, not only the first: a second decoding hop turns them back into them.
        var segmentStart = 0;
        var parametersStart = -1;
        for (var i = 0; i < path.Length; i++)
        {
            switch (path[i])
            {
                case '\\':
                    return true;
                case '%' when i + 2 < path.Length && IsEncodedSeparator(path[i + 1], path[i + 2]):
                    return true;
                case '/' when i + 1 < path.Length && path[i + 1] == '/':
                    return true;
                case '/':
                    if (IsDotSegment(path[segmentStart..(parametersStart < 0 ? i : parametersStart)]))
                    {
                        return true;
                    }

                    (segmentStart, parametersStart) = (i + 1, -1);
                    break;
                case ';' when parametersStart < 0:
                    // "..;x" is a dot segment to servers that strip path parameters (Tomcat, Spring).
                    parametersStart = i;
                    break;
            }
        }

        return IsDotSegment(path[segmentStart..(parametersStart < 0 ? path.Length : parametersStart)]);
    }

    /// <summary>The two hex digits after a '%' of an encoded '.' (2e), '/' (2f) or '\' (5c), in either case.</summary>
    private static bool IsEncodedSeparator(char high, char low) =>
        (high, char.ToLowerInvariant(low)) is ('2', 'e') or ('2', 'f') or ('5', 'c');

    private static bool IsDotSegment(ReadOnlySpan<char> segment) => segment is "." or "..";
}
