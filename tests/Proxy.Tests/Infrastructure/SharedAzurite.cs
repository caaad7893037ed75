namespace Proxy.Tests.Infrastructure;

/// <summary>
/// The one Azurite of a test run, started by the first test that asks for it and stopped, by its process id, when the
/// test process exits. Tests share it by using names of their own: keys, tables and queues made for the test.
/// </summary>
internal static class SharedAzurite
{
    private static readonly Lazy<Task<AzuriteProcess>> s_instance = new(StartAsync);

    public static Task<AzuriteProcess> GetAsync() => s_instance.Value;

    private static async Task<AzuriteProcess> StartAsync()
    {
        var azurite = await AzuriteProcess.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return azurite;
    }
}
