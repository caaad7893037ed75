namespace Proxy.Tests.Forwarding;

/// <summary>What a Node SDK caller saw: the status (200, or the error's), the message, and the milliseconds the call took.</summary>
internal sealed record NodeSdkOutcome(int Status, string Message, double Ms);
