namespace Proxy.Tests.Infrastructure;

/// <summary>The end-to-end tests on the standalone host share one set of processes.</summary>
[CollectionDefinition(Name)]
public sealed class OnStandaloneHost : ICollectionFixture<StandaloneHostFixture>
{
    public const string Name = "Standalone host";
}
