namespace Proxy.Tests.Quota.Simulation;

/// <summary>
/// How often a simulated store call goes wrong, and how: picked per seed, so that some seeds are calm and others lose
/// answers, time out, land late or refuse connections most of the time.
/// </summary>
internal sealed record SimulatedFaults(
    double LostAnswer,
    double SdkRetry,
    double SlowRequest,
    double Refused,
    double Hang)
{
    public static SimulatedFaults Pick(Random random) => random.Next(5) switch
    {
        0 => new SimulatedFaults(0, 0, 0, 0, 0),

        // A store that is slow and never gone: it must never be taken for gone.
        4 => new SimulatedFaults(0, 0, 0.1 + (random.NextDouble() * 0.4), 0, 0),
        1 => new SimulatedFaults(0.05, 0.7, 0.02, 0.01, 0.005),
        2 => new SimulatedFaults(0.2, 0.7, 0.05, 0.05, 0.02),
        _ => new SimulatedFaults(random.NextDouble() * 0.3, random.NextDouble(), random.NextDouble() * 0.1, random.NextDouble() * 0.1, random.NextDouble() * 0.05),
    };
}
