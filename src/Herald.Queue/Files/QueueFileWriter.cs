// Streams one incoming message into tmp/ and commits it into active/.
using System.IO.Hashing;

namespace Herald.Queue.Files;

/// <summary>
/// The <see cref="IMessageWriter"/> of <see cref="FileQueueStore"/>. The envelope part is written when
/// the writer is made; content is appended as it arrives (never held whole) while its length and CRC-32
/// are kept; commit writes the trailer, fsyncs, and hands the file to the store to rename and publish.
/// </summary>
internal sealed class QueueFileWriter : IMessageWriter
{
    private readonly FileQueueStore _store;
    private readonly string _tmpPath;
    private readonly FileStream _stream;
    private readonly Crc32 _crc = new();
    private WriterState _state = WriterState.Open;

    public QueueFileWriter(FileQueueStore store, QueueId id, string tmpPath, FileStream stream)
    {
        _store = store;
        Id = id;
        _tmpPath = tmpPath;
        _stream = stream;
    }

    private enum WriterState
    {
        Open,
        Failed,
        Committed,
        Disposed,
    }

    public QueueId Id { get; }

    public long Length { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        EnsureOpen();
        try
        {
            await _stream.WriteAsync(content, cancellationToken);
        }
        catch
        {
            // Part of the block may be on disk: the checksum could no longer describe the file.
            _state = WriterState.Failed;
            throw;
        }

        _crc.Append(content.Span);
        Length += content.Length;
    }

    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        EnsureOpen();
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await _stream.WriteAsync(QueueFileFormat.EncodeTrailer(Length, _crc.GetCurrentHashAsUInt32()), cancellationToken);
            await _stream.FlushAsync(cancellationToken);

            // fsync before rename: the name must never point at data that is not yet on disk.
            _stream.Flush(flushToDisk: true);
            await _stream.DisposeAsync();

            // From here the rename decides, and cancellation is no longer observed: a message that became
            // visible in active/ must not be reported as failed (the client would send it twice).
            await _store.PublishAsync(Id, _tmpPath);
        }
        catch
        {
            _state = WriterState.Failed;
            throw;
        }

        _state = WriterState.Committed;
    }

    public async ValueTask DisposeAsync()
    {
        if (_state is WriterState.Committed or WriterState.Disposed)
        {
            return;
        }

        _state = WriterState.Disposed;
        await _stream.DisposeAsync();
        File.Delete(_tmpPath);
    }

    private void EnsureOpen()
    {
        if (_state != WriterState.Open)
        {
            throw new InvalidOperationException($"The writer of {Id} is {_state.ToString().ToLowerInvariant()}.");
        }
    }
}
