using System.Net.Sockets;
using Proxy.Quota;

namespace Proxy.Tests.Quota.Simulation;

/// <summary>
/// One simulated process's connection to the <see cref="SimulatedTable"/>, with the faults a real one has: a request
/// takes time to arrive and its answer time to come back; an answer can be lost after the store applied the request (and
/// the storage SDK's retry then sends it again); a request can arrive after its caller gave up, and still land; the store
/// can refuse connections (an outage) or take a request and never answer (a hang). A killed process sends nothing more,
/// but what it sent still arrives.
/// </summary>
internal sealed class SimulatedCounterStore(
    SimulatedTable table, SimulatedTime wire, TimeProvider clock, SimulationScheduler scheduler, Random random, SimulatedFaults faults, SimulatedOutage outage,
    TimeSpan? latency = null)
    : ICounterStore
{
    public bool Killed { get; set; }

    /// <summary>Where each call and its outcome are written when a seed is replayed to be read; null otherwise.</summary>
    public Action<string>? Trace { get; set; }

    /// <summary>Store calls this process sent (each a transaction in Azure's terms), for the scale figures.</summary>
    public long Calls { get; private set; }

    public async Task<StoredCounter?> ReadAsync(CounterRowAddress address, string writer, CancellationToken cancellationToken)
    {
        await SendAsync(cancellationToken);
        var row = await DeliverAsync(() =>
        {
            var read = table.Read(address, writer);
            Trace?.Invoke($"read {address.Partition} {address.Row[..8]}: {read}");
            return read;
        }).WaitAsync(cancellationToken);
        await AnswerAsync(cancellationToken);
        return row;
    }

    public async Task<CounterWriteResult[]> SubmitAsync(string tableName, string partition, IReadOnlyList<CounterWrite> writes, CancellationToken cancellationToken)
    {
        await SendAsync(cancellationToken);
        var results = await DeliverAsync(() => Apply(tableName, partition, writes)).WaitAsync(cancellationToken);
        if (random.NextDouble() < faults.LostAnswer)
        {
            if (random.NextDouble() >= faults.SdkRetry)
            {
                Trace?.Invoke("answer lost");
                throw new IOException("The connection dropped before the answer arrived (simulated).");
            }

            // The storage SDK sends the request again, with the same conditions: its answer is what the caller gets.
            Trace?.Invoke("answer lost; the SDK sends it again");
            await SendAsync(cancellationToken);
            results = await DeliverAsync(() => Apply(tableName, partition, writes)).WaitAsync(cancellationToken);
        }

        await AnswerAsync(cancellationToken);
        return results;
    }

    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        Trace?.Invoke("probe");
        await SendAsync(cancellationToken);
        await DeliverAsync(() => true).WaitAsync(cancellationToken);
        await AnswerAsync(cancellationToken);
        Trace?.Invoke("probe answered");
    }

    private CounterWriteResult[] Apply(string tableName, string partition, IReadOnlyList<CounterWrite> writes)
    {
        var results = table.Apply(tableName, partition, writes);
        for (var i = 0; i < writes.Count; i++)
        {
            Trace?.Invoke($"write {partition} {writes[i].Row[..8]} seq {writes[i].Sequence} {writes[i].Counts} if {writes[i].IfMatch?.ToString() ?? "absent"}: {results[i].Status} {results[i].ETag}");
        }

        return results;
    }

    private async Task SendAsync(CancellationToken cancellationToken)
    {
        scheduler.AssertOnSimulationThread("A store call");
        if (Killed)
        {
            throw new IOException("The process was killed (simulated).");
        }

        Calls++;
        if (outage.IsDown || random.NextDouble() < faults.Refused)
        {
            await Task.Delay(Latency(), clock, cancellationToken);
            throw new HttpRequestException("Connection refused (simulated).", new SocketException((int)SocketError.ConnectionRefused));
        }
    }

    /// <summary>The request travels to the store and is carried out there whether or not its caller still waits; or, if the store hangs, never.</summary>
    private async Task<T> DeliverAsync<T>(Func<T> carryOut)
    {
        if (outage.IsHung || random.NextDouble() < faults.Hang)
        {
            await new TaskCompletionSource().Task;
        }

        var slow = random.NextDouble() < faults.SlowRequest;
        // On the wire, not in the process: a request sent by a process that then dies still arrives.
        await Task.Delay(slow ? TimeSpan.FromMilliseconds(random.Next(1_000, 5_000)) : Latency(), wire);
        return carryOut();
    }

    private Task AnswerAsync(CancellationToken cancellationToken) => Task.Delay(Latency(), clock, cancellationToken);

    /// <summary>One way of a round trip: as given, or between 0.2 and 3 ms.</summary>
    private TimeSpan Latency() => latency ?? TimeSpan.FromMicroseconds(random.Next(200, 3_000));
}
