using System.Reflection;

namespace Proxy.Tests.Infrastructure;

/// <summary>Where the repository and its build outputs are, found from the test assembly's location.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration the tests were built in (Debug or Release), which the other projects share.</summary>
    public static string Configuration { get; } =
        typeof(RepositoryPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string FunctionsOutput => Path.Combine(Root, "src", "Proxy.Functions", "bin", Configuration, "net10.0");

    public static string StandaloneAssembly => Path.Combine(AppContext.BaseDirectory, "Proxy.Standalone.dll");

    public static string CliAssembly => Path.Combine(AppContext.BaseDirectory, "proxy-cli.dll");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Proxy.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The tests run from inside the repository, below Proxy.sln.");
    }
}
