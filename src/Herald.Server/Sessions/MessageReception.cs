// Receiving one message after 354: decoding, size limit and streaming into the queue.
using System.Buffers;
using Herald.Protocol.Commands;
using Herald.Protocol.Data;
using Herald.Queue;

namespace Herald.Server.Sessions;

/// <summary>
/// One DATA phase. Decoded bytes go to the queue writer as they come; once the message is known to be
/// refused (too large), the writer is dropped and the rest is read and discarded, so that the reply
/// comes at the end of the message where the client expects it (RFC 5321 §4.2.5, RFC 1870 §6).
/// </summary>
internal sealed class MessageReception : IAsyncDisposable
{
    private readonly DataDecoder _decoder;
    private readonly ArrayBufferWriter<byte> _decoded = new(16 * 1024);
    private readonly long _maxSize;
    private readonly PendingMessage _message;

    public MessageReception(IMessageWriter writer, LineEndingPolicy policy, long maxSize, DateTimeOffset deadline)
    {
        _message = new PendingMessage(writer);
        _decoder = new DataDecoder(policy);
        _maxSize = maxSize;
        Deadline = deadline;
        QueueId = writer.Id;
    }

    public QueueId QueueId { get; }

    /// <summary>The end of the data timeout: the whole message must have arrived by then.</summary>
    public DateTimeOffset Deadline { get; }

    public bool TooLarge { get; private set; }

    public LineEnding? BareLineEnding => _decoder.BareLineEnding;

    public long Size => _decoder.BytesWritten;

    /// <summary>Writes the trace header before the content.</summary>
    public ValueTask WriteHeaderAsync(ReadOnlyMemory<byte> header, CancellationToken cancellationToken) =>
        _message.WriteAsync(header, cancellationToken);

    /// <summary>Decodes what has arrived; returns true at the end of the message.</summary>
    public async ValueTask<(bool Completed, SequencePosition Consumed)> ReceiveAsync(ReadOnlySequence<byte> input, CancellationToken cancellationToken)
    {
        DataDecodeStatus status = _decoder.Decode(input, _message.IsDropped ? null : _decoded, out SequencePosition consumed);
        if (_decoder.BytesWritten > _maxSize && !TooLarge)
        {
            TooLarge = true;
            await DiscardAsync().ConfigureAwait(false);
        }

        if (_decoded.WrittenCount > 0)
        {
            await _message.WriteAsync(_decoded.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }

        _decoded.ResetWrittenCount();
        return (status == DataDecodeStatus.Completed, consumed);
    }

    /// <summary>Makes the message durable. Only after this returns may the server answer 250.</summary>
    public ValueTask CommitAsync(CancellationToken cancellationToken) => _message.CommitAsync(cancellationToken);

    /// <summary>Drops the message; nothing of it stays on disk.</summary>
    public ValueTask DiscardAsync() => _message.DropAsync();

    public ValueTask DisposeAsync() => DiscardAsync();
}
