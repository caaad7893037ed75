using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.WebUtilities;
using Proxy.AccessLog;
using Proxy.Errors;
using Proxy.Requests;

namespace Proxy.Connections;

/// <summary>
/// Makes the documented answer to a request the server refused: the same body, headers and failure record as any
/// other error, written by <see cref="ErrorResponseWriter"/> into a request of its own, then framed as a response
/// that closes the connection, as the server's refusal did. It gets its access line too, as every request does.
/// </summary>
internal sealed class ServerRejectionAnswerer(ErrorResponseWriter errors, AccessLogWriter accessLog, TimeProvider timeProvider)
{
    public async ValueTask<ReadOnlyMemory<byte>> AnswerAsync(ServerRejection rejection, RejectedRequestLine? requestLine, KestrelServerLimits limits)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = requestLine?.Method ?? string.Empty;
        var request = new ProxyRequestFeature(requestLine?.Path ?? "/", timeProvider.GetTimestamp());
        context.Features.Set(request);
        using var body = new MemoryStream();
        context.Response.Body = body;

        await errors.WriteAsync(context, ErrorCatalog.ServerRejection(rejection.StatusCode, limits));
        accessLog.Write(context, request);

        var head = new StringBuilder()
            .Append("HTTP/1.1 ").Append(context.Response.StatusCode).Append(' ').Append(ReasonPhrases.GetReasonPhrase(context.Response.StatusCode)).Append("\r\n");
        foreach (var (name, value) in context.Response.Headers)
        {
            head.Append(name).Append(": ").Append(value.ToString()).Append("\r\n");
        }

        if (rejection.Allow is { } allow)
        {
            head.Append("Allow: ").Append(allow).Append("\r\n");
        }

        head.Append(ProxyHeaderNames.RequestId).Append(": ").Append(request.RequestId).Append("\r\n")
            .Append("Connection: close\r\n")
            .Append("Date: ").Append(timeProvider.GetUtcNow().ToString("r", CultureInfo.InvariantCulture)).Append("\r\n\r\n");

        // A response to HEAD has no body (RFC 9110 section 9.3.2); its Content-Length still says what GET would get.
        return HttpMethods.IsHead(context.Request.Method)
            ? Encoding.ASCII.GetBytes(head.ToString())
            : (byte[])[.. Encoding.ASCII.GetBytes(head.ToString()), .. body.ToArray()];
    }
}
