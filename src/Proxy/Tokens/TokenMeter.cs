using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Proxy.Errors;
using Proxy.Failures;
using Proxy.Forwarding;
using Proxy.Requests;

namespace Proxy.Tokens;

/// <summary>
/// Reads a request of a key with a token limit before its call, to reserve an upper bound of its tokens
/// (docs/tokens.md): a JSON body (one whose first character is <c>{</c> or <c>[</c>, whatever its
/// <c>Content-Type</c> says, since an upstream may parse it anyway) is read whole, and reserves its text's bytes, an
/// allowance per image or file, and its completion cap or the default; any other body reserves the default cap alone,
/// and no body nothing. A chat or completions stream that did not ask for its usage gets it asked for on its behalf
/// (<see cref="IncludeUsageRewriter"/>), and <see cref="UnrequestedUsageFilter"/> takes it out of the answer.
/// </summary>
internal sealed class TokenMeter(IOptions<TokenOptions> options, IOptions<ForwardingOptions> forwardingOptions)
{
    // Whitespace a JSON body may start with; past this much of it, the body is read as JSON anyway.
    private const int MaxLeadingWhitespace = 64 * 1024;

    private readonly TokenOptions _options = options.Value;
    private readonly long _maxRequestBodySize = forwardingOptions.Value.MaxRequestBodySize;

    public async ValueTask<MeteredRequest> ReadAsync(HttpContext context, ProxyRequestFeature request, long? tierDefaultMaxTokens)
    {
        var httpRequest = context.Request;
        request.TokensMetered = true;
        if (httpRequest.ContentLength == 0 || context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false)
        {
            return new MeteredRequest(0);
        }

        var defaultCap = tierDefaultMaxTokens ?? _options.DefaultMaxTokens;
        try
        {
            var reader = httpRequest.BodyReader;
            if (!await StartsAsJsonAsync(reader, context.RequestAborted))
            {
                return new MeteredRequest(defaultCap);
            }

            var (body, length) = await ReadWholeAsync(reader, httpRequest.ContentLength, context.RequestAborted);
            if (body is null)
            {
                return new MeteredRequest(0, ErrorCatalog.PayloadTooLarge(_options.MaxBufferedBodySize));
            }

            return new MeteredRequest(Meter(context, request, body, length, defaultCap));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return new MeteredRequest(0, ErrorCatalog.PayloadTooLarge(_maxRequestBodySize));
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException && !context.RequestAborted.IsCancellationRequested)
        {
            return new MeteredRequest(0, ErrorCatalog.BadRequest("the request body could not be read to the end."));
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException)
        {
            throw new OperationCanceledException("The client went away while its body was read.", e, context.RequestAborted);
        }
    }

    /// <summary>Reads the fields, installs the body to forward (rewritten if its stream's usage is asked for), and gives the reservation.</summary>
    private long Meter(HttpContext context, ProxyRequestFeature request, byte[] body, int length, long defaultCap)
    {
        var json = body.AsSpan(0, length);
        var fields = TokenRequestFields.Read(json);
        request.Model = ModelSniffer.FromJsonPrefix(json[..Math.Min(length, ModelSniffer.PrefixLength)]);
        var path = (context.Request.Path.Value ?? string.Empty).TrimEnd('/');
        var generates = !path.EndsWith("/embeddings", StringComparison.OrdinalIgnoreCase) && !path.EndsWith("/moderations", StringComparison.OrdinalIgnoreCase);
        var completion = generates ? fields.CompletionCap ?? defaultCap : 0;
        var prompt = long.CreateSaturating((Int128)fields.Attachments * _options.AttachmentTokens + fields.TextBytes);

        var forwarded = new BufferedRequestBody(body, length);
        if (fields.Streams && !fields.AsksForUsage && path.EndsWith("/completions", StringComparison.OrdinalIgnoreCase))
        {
            var rewritten = new ArrayBufferWriter<byte>(length + 64);
            if (IncludeUsageRewriter.TryRewrite(json, rewritten))
            {
                forwarded.Dispose();
                var copy = ArrayPool<byte>.Shared.Rent(rewritten.WrittenCount);
                rewritten.WrittenSpan.CopyTo(copy);
                forwarded = new BufferedRequestBody(copy, rewritten.WrittenCount);
                request.UsageAddedByProxy = true;
            }
        }

        context.Response.RegisterForDispose(forwarded);
        context.Request.Body = forwarded;
        context.Request.ContentLength = forwarded.Length;
        context.Request.Headers.Remove(HeaderNames.TransferEncoding);
        return long.CreateSaturating((Int128)prompt + completion);
    }

    /// <summary>
    /// Whether the body's first character other than whitespace opens JSON; looked at without consuming anything, so that
    /// a body that is not JSON is forwarded as it streams in.
    /// </summary>
    private static async ValueTask<bool> StartsAsJsonAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            foreach (var segment in buffer)
            {
                var at = segment.Span.IndexOfAnyExcept(" \t\r\n"u8);
                if (at >= 0)
                {
                    var first = segment.Span[at];
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    return first is (byte)'{' or (byte)'[';
                }
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || buffer.Length > MaxLeadingWhitespace)
            {
                // Whitespace alone: read as JSON, which costs the reservation of its bytes.
                return true;
            }
        }
    }

    /// <summary>The whole body in a rented array, or null when it is longer than <see cref="TokenOptions.MaxBufferedBodySize"/>.</summary>
    private async ValueTask<(byte[]? Body, int Length)> ReadWholeAsync(PipeReader reader, long? declaredLength, CancellationToken cancellationToken)
    {
        var max = _options.MaxBufferedBodySize;
        if (declaredLength > max)
        {
            return (null, 0);
        }

        var body = ArrayPool<byte>.Shared.Rent((int)Math.Min(declaredLength ?? 16 * 1024, max));
        var length = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                if (length + buffer.Length > max)
                {
                    reader.AdvanceTo(buffer.End);
                    ArrayPool<byte>.Shared.Return(body);
                    return (null, 0);
                }

                if (length + buffer.Length > body.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(2L * body.Length, length + buffer.Length), max));
                    body.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(body);
                    body = larger;
                }

                buffer.CopyTo(body.AsSpan(length));
                length += (int)buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    return (body, length);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(body);
            throw;
        }
    }
}
