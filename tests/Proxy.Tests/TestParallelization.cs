// The end-to-end collections (one per host) run one after the other, and so do the other tests: on a two-core machine,
// a second collection's processes beside the first would make every memory and latency figure a neighbour's.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
