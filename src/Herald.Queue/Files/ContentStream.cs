// A read-only stream over just the content region of a queue file.
using Microsoft.Win32.SafeHandles;

namespace Herald.Queue.Files;

/// <summary>
/// Reads octets [offset, offset + length) of a queue file through its own handle, so the file may be
/// moved to hold/ or removed while a delivery reads it (POSIX keeps an open file's data).
/// </summary>
internal sealed class ContentStream : Stream
{
    private readonly SafeFileHandle _handle;
    private readonly long _start;
    private readonly long _length;
    private long _position;

    public ContentStream(SafeFileHandle handle, long start, long length)
    {
        _handle = handle;
        _start = start;
        _length = length;
    }

    public override bool CanRead => !_handle.IsClosed;

    public override bool CanSeek => !_handle.IsClosed;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int count = Remaining(buffer.Length);
        if (count == 0)
        {
            return 0;
        }

        int read = RandomAccess.Read(_handle, buffer[..count], _start + _position);
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int count = Remaining(buffer.Length);
        if (count == 0)
        {
            return 0;
        }

        int read = await RandomAccess.ReadAsync(_handle, buffer[..count], _start + _position, cancellationToken);
        _position += read;
        return read;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        Position = target;
        return target;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _handle.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Remaining(int wanted)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        long left = _length - _position;
        return left <= 0 ? 0 : (int)Math.Min(wanted, left);
    }
}
