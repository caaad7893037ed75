// Every class is a collection of its own, and collections run side by side: the in-process classes each have their own
// proxies and upstreams on the run's one Azurite. The end-to-end classes of one host share a collection, and so run one
// at a time beside the rest. Past a few collections at once, two cores only queue them.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerClass, MaxParallelThreads = 4)]
