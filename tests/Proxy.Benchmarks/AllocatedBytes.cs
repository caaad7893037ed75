using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace Proxy.Benchmarks;

/// <summary>
/// What a .NET process has allocated so far (<c>GC.GetTotalAllocatedBytes</c>, published by the runtime as the
/// <c>System.Runtime</c> meter's <c>dotnet.gc.heap.total_allocated</c>), read over the runtime's diagnostic port with a
/// short EventPipe session. Chosen as the least intrusive of the ways to read it: no setting or endpoint in the proxy
/// (nothing to leave on, nothing near the client's port), no extra process competing for the cores during a round as
/// <c>dotnet-counters</c> would be, and a session only at a round's edges, none while it runs. What the session itself
/// allocates in the process is measured once with nothing between two reads (<see cref="OverheadAsync"/>) and taken off.
/// </summary>
internal static class AllocatedBytes
{
    private const string Instrument = "dotnet.gc.heap.total_allocated";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    public static async Task<long> ReadAsync(int processId)
    {
        var sessionId = Guid.NewGuid().ToString("N");
        var provider = new EventPipeProvider("System.Diagnostics.Metrics", EventLevel.Informational, keywords: 0x2 /* TimeSeriesValues */, new Dictionary<string, string>
        {
            ["SessionId"] = sessionId,
            ["Metrics"] = $"System.Runtime\\{Instrument}",
            ["RefreshInterval"] = "0.1",
            ["MaxTimeSeries"] = "10",
            ["MaxHistograms"] = "10",
        });
        var client = new DiagnosticsClient(processId);
        using var timeout = new CancellationTokenSource(s_timeout);
        using var session = await client.StartEventPipeSessionAsync([provider], requestRundown: false, circularBufferMB: 16, timeout.Token);
        var total = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var processing = Task.Run(() =>
        {
            using var source = new EventPipeEventSource(session.EventStream);
            source.Dynamic.All += data =>
            {
                // The published value of an observable counter is its latest observation: the running total.
                if (data.EventName == "CounterRateValuePublished" && data.PayloadByName("sessionId") as string == sessionId &&
                    data.PayloadByName("instrumentName") as string == Instrument &&
                    double.TryParse(data.PayloadByName("value") as string, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    total.TrySetResult((long)value);
                }
            };
            source.Process();
        });

        var allocated = await total.Task.WaitAsync(timeout.Token);
        await session.StopAsync(timeout.Token);
        await processing.WaitAsync(timeout.Token);
        return allocated;
    }

    /// <summary>What two reads with nothing between them differ by, the least of three: the cost of reading, to take off a round.</summary>
    public static async Task<long> OverheadAsync(int processId)
    {
        var overheads = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var before = await ReadAsync(processId);
            overheads.Add(await ReadAsync(processId) - before);
        }

        return overheads.Min();
    }
}
