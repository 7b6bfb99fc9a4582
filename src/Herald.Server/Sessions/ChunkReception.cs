// Receiving a message in BDAT chunks (RFC 3030): exact octet counts, no dot-stuffing, size checked as chunks arrive.
using System.Buffers;
using Herald.Queue;

namespace Herald.Server.Sessions;

/// <summary>
/// One BDAT transaction. The chunk bytes are copied as they are; a refused BDAT still has its bytes read
/// and dropped, so that message text is never taken for commands.
/// </summary>
internal sealed class ChunkReception : IAsyncDisposable
{
    private readonly long _maxSize;
    private readonly PendingMessage? _message;

    public ChunkReception(IMessageWriter? writer, long maxSize)
    {
        _message = writer is null ? null : new PendingMessage(writer);
        _maxSize = maxSize;
    }

    public QueueId? QueueId => _message?.Id;

    /// <summary>Octets still to come in the current chunk.</summary>
    public long Remaining { get; private set; }

    public bool Last { get; private set; }

    /// <summary>Message octets received in all chunks so far.</summary>
    public long Size { get; private set; }

    public bool TooLarge { get; private set; }

    /// <summary>The reply for a chunk that was refused outright (no valid transaction); its bytes are dropped.</summary>
    public Protocol.Replies.SmtpReply? Refusal { get; private set; }

    public DateTimeOffset Deadline { get; private set; }

    public void BeginChunk(long size, bool last, DateTimeOffset deadline, Protocol.Replies.SmtpReply? refusal = null)
    {
        Remaining = size;
        Last = last;
        Deadline = deadline;
        Refusal = refusal;
    }

    public ValueTask WriteHeaderAsync(ReadOnlyMemory<byte> header, CancellationToken cancellationToken) =>
        _message!.WriteAsync(header, cancellationToken);

    /// <summary>Takes what belongs to the current chunk from <paramref name="input"/>; returns the rest.</summary>
    public async ValueTask<ReadOnlySequence<byte>> ReceiveAsync(ReadOnlySequence<byte> input, CancellationToken cancellationToken)
    {
        long take = Math.Min(Remaining, input.Length);
        ReadOnlySequence<byte> chunk = input.Slice(0, take);
        Remaining -= take;
        if (Refusal is null)
        {
            Size += take;
            if (Size > _maxSize && !TooLarge)
            {
                TooLarge = true;
                await DiscardAsync().ConfigureAwait(false);
            }

            if (_message is { IsDropped: false })
            {
                foreach (ReadOnlyMemory<byte> segment in chunk)
                {
                    await _message.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return input.Slice(take);
    }

    public ValueTask CommitAsync(CancellationToken cancellationToken) =>
        _message?.CommitAsync(cancellationToken) ?? throw new InvalidOperationException("A refused chunk has no message.");

    public ValueTask DiscardAsync() => _message?.DropAsync() ?? ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => DiscardAsync();
}
