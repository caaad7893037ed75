namespace Proxy.Cli;

/// <summary>One UTC hour of the usage ledger, summed over the keys looked at: the requests, and how many failed.</summary>
internal sealed record HourUsage(long Requests, long Failed)
{
    /// <summary>Failed requests per request, 0 to 1; null for an hour without requests.</summary>
    public double? ErrorRate => Requests > 0 ? (double)Failed / Requests : null;
}
