using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Proxy.Errors;
using Proxy.Failures;
using Proxy.Quota;
using Proxy.Tokens;

namespace Proxy.Requests;

/// <summary>What the proxy knows about the request it is handling, shared by the handler and the transforms.</summary>
internal sealed class ProxyRequestFeature
{
    public ProxyRequestFeature(HttpContext context, long startTimestamp, bool targetReencodedByHost)
        : this(ReadClientPath(context, targetReencodedByHost), startTimestamp)
    {
    }

    /// <summary>For a request whose path was read elsewhere: one the server refused before any handler ran.</summary>
    public ProxyRequestFeature(string clientPath, long startTimestamp)
    {
        RequestId = Guid.NewGuid().ToString();
        ClientPath = clientPath;
        StartTimestamp = startTimestamp;
    }

    public string RequestId { get; }

    /// <summary>When the proxy started on the request, from <see cref="TimeProvider.GetTimestamp"/>.</summary>
    public long StartTimestamp { get; }

    /// <summary>When the request was handed to the upstream, from <see cref="TimeProvider.GetTimestamp"/>; 0 before.</summary>
    public long UpstreamStartTimestamp { get; set; }

    /// <summary>The request body as it passes through, with its first bytes kept; null when it is not JSON or was read whole before (a metered one).</summary>
    public RequestBodyPrefixStream? Body { get; set; }

    /// <summary>The model the body named where the proxy read it itself: a refused request's, a metered one's, one the upstream never read.</summary>
    public string? Model { get; set; }

    /// <summary>
    /// <see cref="Model"/>, or else the top-level <c>"model"</c> of the body's first bytes read so far; a model found there is
    /// kept, so that the record and the access line of one request read those bytes once.
    /// </summary>
    public string? NamedModel() => Model ??= Body is { } body ? ModelSniffer.FromJsonPrefix(body.Prefix) : null;

    /// <summary>The upstream's status and request id, once it answered.</summary>
    public int? UpstreamStatusCode { get; set; }

    public string? UpstreamRequestId { get; set; }

    /// <summary>Bytes of response body sent, where the proxy counts them (streams it watches, its own error bodies).</summary>
    public long? ResponseBytes { get; set; }

    /// <summary>
    /// Tokens from the upstream's <c>usage</c>: the end of a JSON answer, or the last stream event that carries it (sent when
    /// the request asks for <c>stream_options.include_usage</c>); null when the answer had none the proxy could read.
    /// </summary>
    public long? PromptTokens { get; set; }

    public long? CompletionTokens { get; set; }

    /// <summary>Prompt plus completion tokens of the answer's <c>usage</c>; null when none was read.</summary>
    public long? TokensUsed => PromptTokens is { } prompt ? long.CreateSaturating((Int128)prompt + (CompletionTokens ?? 0)) : null;

    /// <summary>
    /// Whether the key's tokens are reserved and settled (it has a token limit): its answer's usage must be read, so the
    /// upstream is asked for it uncompressed.
    /// </summary>
    public bool TokensMetered { get; set; }

    /// <summary>Whether the proxy asked for the stream's usage on the client's behalf, and so takes it out of what the client gets.</summary>
    public bool UsageAddedByProxy { get; set; }

    /// <summary>What takes that usage out of the stream, once the answer is one.</summary>
    public UnrequestedUsageFilter? UsageFilter { get; set; }

    /// <summary>
    /// The path as the client sent it, still percent-encoded and without the query: what error bodies and
    /// logs report, so that <c>/v1/../admin</c> is shown as sent rather than as Kestrel normalised it.
    /// </summary>
    public string ClientPath { get; }

    /// <summary>
    /// Whether a request header is one that is not forwarded (UpstreamRequestHeaders), once RequestHeaderPolicy has looked
    /// at them all; null before, when they must be looked at again.
    /// </summary>
    public bool? CarriesHeadersNotForwarded { get; set; }

    /// <summary>The hash of the client's key, once it has been read.</summary>
    public string? KeyId { get; set; }

    /// <summary>The key's tier, once it is known.</summary>
    public string? Tier { get; set; }

    /// <summary>The quota's answer, once the request was counted; its headers go on the response.</summary>
    public QuotaLease? QuotaLease { get; set; }

    /// <summary>Whether the upstream's 200 stream carried an error event (a <c>stream_error</c> record was made).</summary>
    public bool StreamFailed { get; set; }

    /// <summary>The error the proxy answered with, once it has answered one.</summary>
    public ProxyError? Error { get; set; }

    /// <summary>The status the client got: that of the error the proxy answered with (a client that left, its 499), else the response's.</summary>
    public int AnsweredStatusCode(HttpContext context) => Error?.StatusCode ?? context.Response.StatusCode;

    /// <summary>The request body's size: as declared, else as read on its way upstream.</summary>
    public long? RequestBodyBytes(HttpContext context) => context.Request.ContentLength ?? Body?.BytesRead;

    /// <summary>The response body's size: as counted where the proxy counts it, else as declared.</summary>
    public long? ResponseBodyBytes(HttpContext context) => ResponseBytes ?? context.Response.ContentLength;

    public static ProxyRequestFeature Get(HttpContext context) =>
        context.Features.Get<ProxyRequestFeature>()
        ?? throw new InvalidOperationException("The proxy request feature is set when the handler starts.");

    private static string ReadClientPath(HttpContext context, bool targetReencodedByHost)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(rawTarget) || rawTarget[0] != '/')
        {
            // Absolute-form and other targets: the server has already taken the path out of them.
            return context.Request.Path.HasValue ? context.Request.Path.Value : "/";
        }

        var queryStart = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? rawTarget : rawTarget[..queryStart];
        return targetReencodedByHost ? UndoHostReencoding(path) : path;
    }

    /// <summary>
    /// The Functions host's Kestrel leaves <c>%2F</c> and percent sequences that are not UTF-8 as they came, and its
    /// forwarder then encodes their <c>%</c> again: <c>/v1/..%2fadmin</c> reaches the worker as <c>/v1/..%252fadmin</c>.
    /// Decoding <c>%25</c> once before two hex digits gives back what the client sent (a client's own <c>%252f</c>
    /// arrives the same way and is shown as <c>%2f</c>; both are refused alike).
    /// </summary>
    private static string UndoHostReencoding(string path)
    {
        if (!path.Contains("%25", StringComparison.Ordinal))
        {
            return path;
        }

        var builder = new System.Text.StringBuilder(path.Length);
        for (var i = 0; i < path.Length; i++)
        {
            builder.Append(path[i]);
            if (path[i] == '%' && i + 4 < path.Length && path[i + 1] == '2' && path[i + 2] == '5'
                && char.IsAsciiHexDigit(path[i + 3]) && char.IsAsciiHexDigit(path[i + 4]))
            {
                i += 2;
            }
        }

        return builder.ToString();
    }
}
