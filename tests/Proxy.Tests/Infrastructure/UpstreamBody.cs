namespace Proxy.Tests.Infrastructure;

/// <summary>
/// A request body as <see cref="BodyRecordingUpstream"/> received it: how it was framed, how many bytes arrived, and
/// whether the framing said it was complete (all of Content-Length, or the last chunk).
/// </summary>
internal sealed record UpstreamBody(string Target, string Framing, long BytesReceived, bool Complete);
