namespace Proxy.Tests.Infrastructure;

/// <summary>The end-to-end parts with every proxy on the standalone host.</summary>
public sealed class StandaloneHostFixture() : ProxyFixture(ProxyHostKind.Standalone);
