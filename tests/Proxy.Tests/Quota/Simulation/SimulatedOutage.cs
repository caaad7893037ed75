namespace Proxy.Tests.Quota.Simulation;

/// <summary>Whether the simulated store is down (refusing connections) or hung (taking requests and never answering) right now.</summary>
internal sealed class SimulatedOutage
{
    public bool IsDown { get; set; }

    public bool IsHung { get; set; }
}
