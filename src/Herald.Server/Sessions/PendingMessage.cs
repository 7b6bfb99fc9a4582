// A message being written to the queue by a session: kept until it is committed or dropped.
using Herald.Queue;

namespace Herald.Server.Sessions;

/// <summary>
/// Holds the queue writer of a message in reception. Once dropped, writes are ignored and nothing of the
/// message stays on disk; once committed, it is durable and the writer is gone.
/// </summary>
internal sealed class PendingMessage(IMessageWriter writer) : IAsyncDisposable
{
    private IMessageWriter? _writer = writer;

    public QueueId Id { get; } = writer.Id;

    public bool IsDropped => _writer is null;

    public ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        _writer is null ? ValueTask.CompletedTask : _writer.WriteAsync(content, cancellationToken);

    /// <summary>Makes the message durable. Only after this returns may the server answer 250.</summary>
    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        IMessageWriter writer = _writer ?? throw new InvalidOperationException("The message was dropped.");
        await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        _writer = null;
        await writer.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Drops the message; nothing of it stays on disk.</summary>
    public async ValueTask DropAsync()
    {
        IMessageWriter? pending = _writer;
        _writer = null;
        if (pending is not null)
        {
            await pending.DisposeAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => DropAsync();
}
