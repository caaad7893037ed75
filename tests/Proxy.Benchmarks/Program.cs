using Proxy.Benchmarks;

// Side by side in one run: the fake upstream called directly, a bare YARP forwarder, nginx and the proxy. Prints
// Markdown tables of every figure with its goal, and exits non-zero when a figure misses its goal by more than its
// noise. --short: few, short rounds, to check that the measurement works; --peers-only: the side-by-side run alone;
// --quota-only: the quota's comparison with itself off alone; "ledger": only the usage ledger's transaction figures;
// "scale": only the quota's load on the store at scale, from its simulation; "tokens": only the token budget's figures.
if (args is ["ledger"])
{
    return await LedgerTransactions.RunAloneAsync(Console.Out);
}

if (args is ["tokens"])
{
    return await TokenBudget.RunAloneAsync(Console.Out);
}

if (args is ["scale"])
{
    QuotaScale.Table().ToList().ForEach(Console.Out.WriteLine);
    return 0;
}

var scale = args.Contains("--short") ? BenchmarkScale.Short : BenchmarkScale.Full;
var parts = args.Contains("--peers-only") ? BenchmarkParts.PeersOnly : args.Contains("--quota-only") ? BenchmarkParts.QuotaOnly : BenchmarkParts.All;
return await BenchmarkRun.RunAsync(Console.Out, scale, parts);
