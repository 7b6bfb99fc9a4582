// How much is queued right now, read from the queue's folders: for the queue gauges and the admin API's status.
namespace Herald.Queue;

/// <summary>The messages in the queue at one moment.</summary>
/// <param name="Active">Messages waiting for delivery (in <c>active/</c>).</param>
/// <param name="Held">Messages on hold (in <c>hold/</c>).</param>
/// <param name="Corrupt">Files set aside as torn or damaged (in <c>corrupt/</c>): never delivered, an operator should look.</param>
/// <param name="OldestArrival">When the oldest active or held message arrived; null for an empty queue.</param>
public sealed record QueueDepth(int Active, int Held, int Corrupt, DateTimeOffset? OldestArrival)
{
    public int Messages => Active + Held;
}

/// <summary>Counts what is queued without reading any message: cheap enough to ask on every scrape.</summary>
public interface IQueueDepth
{
    QueueDepth Depth();
}
