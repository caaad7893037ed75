namespace Proxy.Infra.Tests.Infrastructure;

/// <summary>All the infra tests read one compiled template, built once.</summary>
[CollectionDefinition(Name)]
public sealed class CompiledTemplateCollectionDefinition : ICollectionFixture<CompiledTemplateFixture>
{
    public const string Name = "Compiled infra/main.bicep";
}
