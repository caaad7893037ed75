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
    // lets a server decode them); a backslash is a separator to some servers, and an empty segment ("//")
    // turns into a scheme-relative URL in naive URL joins.
    private static readonly string[] s_escapeSequences = ["%2e", "%2f", "%5c", "\\", "//"];

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

        if (EscapesPrefix(ProxyRequestFeature.Get(context).ClientPath))
        {
            return ErrorCatalog.NotFound("the path may not contain dot segments, empty segments or encoded separators.");
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
            if (rawPath[range] is "." or "..")
            {
                return true;
            }
        }

        return false;
    }
}
