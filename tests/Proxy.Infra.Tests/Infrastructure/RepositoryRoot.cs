namespace Proxy.Infra.Tests.Infrastructure;

/// <summary>The repository's root directory, found upwards from the test assembly, so the tests run from any build output.</summary>
internal static class RepositoryRoot
{
    public static string FullName { get; } = Find();

    public static string Combine(params string[] relativePath) => Path.Combine([FullName, .. relativePath]);

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "infra", "main.bicep")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The infra tests run from inside the repository, below infra/main.bicep.");
    }
}
