namespace Proxy.Tests.Infrastructure;

/// <summary>
/// The layers of the suite, as a trait that <c>scripts/test.sh</c> selects by. A class without it is in the first layer:
/// pure classes and the core inside the test process, run side by side.
/// </summary>
internal static class Layer
{
    public const string Name = "Layer";

    /// <summary>The second layer: the hosts' own processes, end to end, one collection per host, one test at a time.</summary>
    public const string EndToEnd = "EndToEnd";

    /// <summary>
    /// The third layer, outside the fast command: load, soak, memory, long outages, and the Functions-host runs of the
    /// specifications the host does not change.
    /// </summary>
    public const string Slow = "Slow";
}
