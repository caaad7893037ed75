using Xunit.Abstractions;

namespace Proxy.Tests.Quota.Simulation;

/// <summary>
/// The quota's load on Table storage at scale (<see cref="ScaleSimulation"/>): a new key costs at most one transaction,
/// fewer when many arrive at once and share entity-group transactions, and nothing is shed at the rates that the
/// benchmark reports as meeting Azure's targets.
/// </summary>
public sealed class ScaleSimulationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, 100)]
    [InlineData(4, 1_000)]
    public void NewKeysAtARate_CostAtMostOneTransactionEach_AndAreAllAdmitted(int processes, int newKeysPerSecond)
    {
        var figures = ScaleSimulation.Run(processes, newKeysPerSecond);

        output.WriteLine(figures.Row());
        Assert.Equal(0, figures.Shed);
        Assert.Equal(newKeysPerSecond * 2, figures.Admitted);
        Assert.InRange(figures.TransactionsPerAdmission, 0.01, 1);
    }
}
