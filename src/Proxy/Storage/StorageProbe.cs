using System.Net;
using Azure;
using Azure.Data.Tables;

namespace Proxy.Storage;

/// <summary>One small call that tells whether a storage service answers: the circuit's probe and the health checks' probes.</summary>
internal static class StorageProbe
{
    /// <summary>One request that touches the Table service and nothing else: list at most one table.</summary>
    public static async Task ListOneTableAsync(TableServiceClient tableService, CancellationToken cancellationToken)
    {
        await foreach (var _ in tableService.QueryAsync(filter: "TableName eq 'probe'", maxPerPage: 1, cancellationToken: cancellationToken).AsPages())
        {
            break;
        }
    }

    /// <summary>
    /// Runs <paramref name="call"/> for at most <paramref name="timeout"/>: null when the service answered, else the cause
    /// (<see cref="StorageFailureCause"/>). A 404 is an answer: the service is there, only the table or queue is not yet,
    /// and the proxy creates it on first use.
    /// </summary>
    public static async Task<string?> AnswerAsync(Func<CancellationToken, Task> call, TimeSpan timeout, TimeProvider timeProvider)
    {
        try
        {
            using var cancellation = new CancellationTokenSource(timeout, timeProvider);
            await call(cancellation.Token);
            return null;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception e)
        {
            return StorageFailureCause.Of(e);
        }
    }
}
