// One test at a time in this assembly: the exporter of each host listens to Herald's meters by name, process-wide,
// so two hosts alive at once would each show the other's counts in /metrics.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
