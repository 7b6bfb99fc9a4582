// A message as the queue holds it: envelope, recipient states, content size.
namespace Herald.Queue;

/// <summary>A committed message read back from the queue.</summary>
public sealed record QueuedMessage(
    QueueId Id,
    Envelope Envelope,
    IReadOnlyList<RecipientStatus> Recipients,
    long ContentLength,
    bool OnHold)
{
    /// <summary>True once every recipient is delivered or bounced: the message may leave the queue.</summary>
    public bool IsComplete => Recipients.All(r => r.IsFinal);

    /// <summary>True once a delay warning was reported for any recipient: the one warning a message gets.</summary>
    public bool DelayReported => Recipients.Any(r => r.DelayReported);
}
