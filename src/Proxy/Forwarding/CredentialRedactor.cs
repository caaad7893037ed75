using Microsoft.AspNetCore.Http;
using Proxy.Auth;

namespace Proxy.Forwarding;

/// <summary>
/// The two credentials the proxy knows for a request: the client's key and the upstream key. An upstream that quotes
/// the credential it got ("Incorrect API key provided: sk-…") would otherwise have the proxy pass it on to the client,
/// the failure record and the log; every value taken from the upstream for those goes through <see cref="Redact"/>.
/// </summary>
/// <remarks>A struct: made for every answer and only passed along, it needs no object of its own on the heap.</remarks>
internal readonly struct CredentialRedactor
{
    public const string Redacted = "[redacted]";

    /// <summary>For values that no request's credential can be in, such as those the tests parse on their own.</summary>
    public static readonly CredentialRedactor None = new(null, null);

    private readonly string? _clientKey;
    private readonly string? _upstreamKey;

    private CredentialRedactor(string? clientKey, string? upstreamKey)
    {
        _clientKey = string.IsNullOrEmpty(clientKey) ? null : clientKey;
        _upstreamKey = string.IsNullOrEmpty(upstreamKey) ? null : upstreamKey;
    }

    /// <summary>The client's key is read again as the handler read it; a request without one (a CORS preflight) has none to leak.</summary>
    public static CredentialRedactor For(HttpContext context, string? upstreamKey) =>
        new(ApiKeyReader.Read(context.Request).Key, upstreamKey);

    public bool Finds(string value) =>
        (_clientKey is not null && value.Contains(_clientKey, StringComparison.Ordinal))
        || (_upstreamKey is not null && value.Contains(_upstreamKey, StringComparison.Ordinal));

    public string? Redact(string? value)
    {
        if (value is null || !Finds(value))
        {
            return value;
        }

        // The longer key first, so that a key containing the other is not left half shown.
        var (first, second) = (_clientKey?.Length ?? 0) >= (_upstreamKey?.Length ?? 0) ? (_clientKey, _upstreamKey) : (_upstreamKey, _clientKey);
        if (first is not null)
        {
            value = value.Replace(first, Redacted, StringComparison.Ordinal);
        }

        return second is null ? value : value.Replace(second, Redacted, StringComparison.Ordinal);
    }
}
