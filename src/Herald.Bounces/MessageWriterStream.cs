// A write-only Stream over a queue writer, so MimeKit can write a report straight into the queue.
using Herald.Queue;

namespace Herald.Bounces;

/// <summary>Forwards writes to <see cref="IMessageWriter.WriteAsync"/>; committing stays with the caller.</summary>
internal sealed class MessageWriterStream(IMessageWriter writer) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => writer.Length;

    public override long Position
    {
        get => writer.Length;
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    // MimeKit writes through WriteAsync; a synchronous write (should one come) waits on the same path.
    public override void Write(byte[] buffer, int offset, int count) =>
        writer.WriteAsync(buffer.AsMemory(offset, count).ToArray(), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        writer.WriteAsync(buffer, cancellationToken);
}
