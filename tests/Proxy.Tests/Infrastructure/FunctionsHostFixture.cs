namespace Proxy.Tests.Infrastructure;

/// <summary>The end-to-end parts with every proxy the Functions app under <c>func start</c>.</summary>
public sealed class FunctionsHostFixture() : ProxyFixture(ProxyHostKind.Functions);
