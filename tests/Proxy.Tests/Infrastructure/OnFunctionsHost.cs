namespace Proxy.Tests.Infrastructure;

/// <summary>
/// The end-to-end tests on the Functions host share one set of processes. Their classes carry the trait
/// <c>Host=Functions</c>, by which <c>scripts/test.sh</c> leaves them out, saying so, where no <c>func</c> is on PATH.
/// </summary>
[CollectionDefinition(Name)]
public sealed class OnFunctionsHost : ICollectionFixture<FunctionsHostFixture>
{
    public const string Name = "Functions host";

    public const string Trait = "Host";

    public const string TraitValue = "Functions";
}
