// Writing one incoming message into the queue while it is still being received.
namespace Herald.Queue;

/// <summary>
/// A message being written. Content is appended as it arrives; nothing is visible in the queue
/// until <see cref="CommitAsync"/> returns. Disposing without committing discards everything.
/// </summary>
public interface IMessageWriter : IAsyncDisposable
{
    /// <summary>The id the message will have; known from the start so every log line can carry it.</summary>
    QueueId Id { get; }

    /// <summary>Octets of content written so far.</summary>
    long Length { get; }

    ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the message durable: when this returns, content and envelope are fsynced, the file is in
    /// the queue under its final name and its directory entry is fsynced. Only then may the server say 250.
    /// </summary>
    ValueTask CommitAsync(CancellationToken cancellationToken);
}
