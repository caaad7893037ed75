using Proxy.Benchmarks;

// Side by side in one run: the fake upstream called directly, and through the proxy. Prints a Markdown table
// of every figure with its goal, and exits non-zero when a figure misses its goal by more than its noise.
// "ledger" runs only the usage ledger's transaction figures (a short run on a shared machine).
return args is ["ledger"] ? await LedgerTransactions.RunAloneAsync(Console.Out) : await BenchmarkRun.RunAsync(Console.Out);
