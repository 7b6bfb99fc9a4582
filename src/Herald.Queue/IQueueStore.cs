// The queue store: the only code that writes queue files, and the only contract between receiving and sending.
using System.Threading.Channels;

namespace Herald.Queue;

/// <summary>
/// The durable message queue. The server writes messages through <see cref="CreateAsync"/>; the
/// delivery engine reads them and records each recipient's outcome; nothing else touches the files.
/// </summary>
public interface IQueueStore
{
    /// <summary>
    /// Ids of messages committed (or released from hold) since start-up. One channel for one reader:
    /// two readers of it would each see only some of the ids. Consumers use <see cref="Subscribe"/>.
    /// </summary>
    ChannelReader<QueueId> Arrivals { get; }

    /// <summary>
    /// A channel of its own for one consumer (local delivery, outbound delivery, ...): every id written
    /// to <see cref="Arrivals"/> from now on is written to it too. It is completed, and no longer fed,
    /// when <paramref name="cancellationToken"/> is cancelled or the store is disposed.
    /// </summary>
    ChannelReader<QueueId> Subscribe(CancellationToken cancellationToken);

    /// <summary>Begins a message with its envelope. The returned writer streams the content to disk.</summary>
    ValueTask<IMessageWriter> CreateAsync(Envelope envelope, CancellationToken cancellationToken);

    /// <summary>Every committed message id in the queue (held ones included), oldest first.</summary>
    ValueTask<IReadOnlyList<QueueId>> ListAsync(CancellationToken cancellationToken);

    /// <summary>The message with its current recipient states, or null when it is not (or no longer) queued.</summary>
    ValueTask<QueuedMessage?> ReadAsync(QueueId id, CancellationToken cancellationToken);

    /// <summary>Opens the message content (headers and body, CRLF line ends, as stored) for reading.</summary>
    Stream OpenContent(QueueId id);

    /// <summary>Appends recipient outcomes to the message's journal and fsyncs it before returning.</summary>
    ValueTask RecordAsync(QueueId id, IReadOnlyList<RecipientOutcome> outcomes, CancellationToken cancellationToken);

    /// <summary>Removes a message whose recipients are all final (or that an operator deleted).</summary>
    ValueTask RemoveAsync(QueueId id, CancellationToken cancellationToken);

    /// <summary>Puts a message on hold (never delivered until released) or releases it.</summary>
    ValueTask SetHoldAsync(QueueId id, bool hold, CancellationToken cancellationToken);
}
