// Where the queue store keeps its files.
namespace Herald.Queue.Files;

/// <summary>Settings of <see cref="FileQueueStore"/>.</summary>
/// <param name="Directory">The queue root; tmp/, active/, hold/ and corrupt/ are made beneath it.</param>
public sealed record QueueStoreOptions(string Directory);
