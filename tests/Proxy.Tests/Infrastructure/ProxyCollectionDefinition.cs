namespace Proxy.Tests.Infrastructure;

/// <summary>The end-to-end tests share one set of processes and run one at a time, so memory figures are the proxy's own.</summary>
[CollectionDefinition(Name)]
public sealed class ProxyCollectionDefinition : ICollectionFixture<ProxyFixture>
{
    public const string Name = "Proxy over real sockets";
}
