// Reads a queue file's layout (envelope, where the content lies, trailer) and verifies its content checksum.
using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;

namespace Herald.Queue.Files;

/// <summary>Where the parts of a complete queue file lie, and what its trailer promises.</summary>
internal sealed record QueueFileLayout(Envelope Envelope, long ContentOffset, long ContentLength, uint ContentCrc);

/// <summary>
/// Reads queue files through a file handle at explicit offsets, so the content is never loaded whole:
/// only the envelope part is read into memory, and the checksum pass streams the content in blocks.
/// </summary>
internal static class QueueFileReader
{
    private const int BlockSize = 64 * 1024;

    /// <summary>
    /// The envelope and the content's place, or null with <paramref name="error"/> saying why the file
    /// is torn (no trailer, lengths that disagree) or damaged (a bad record, an envelope checksum mismatch).
    /// Does not read the content; <see cref="VerifyContent"/> does.
    /// </summary>
    public static QueueFileLayout? ReadLayout(SafeFileHandle handle, out string? error)
    {
        long fileLength = RandomAccess.GetLength(handle);
        byte[] buffer = new byte[(int)Math.Min(fileLength, 4096)];
        int filled = 0;
        Envelope? envelope;
        int contentOffset;
        while (true)
        {
            HeaderStatus status = QueueFileFormat.TryParseHeader(buffer.AsSpan(0, filled), out envelope, out contentOffset, out error);
            if (status == HeaderStatus.Valid)
            {
                break;
            }

            if (status == HeaderStatus.Invalid)
            {
                return null;
            }

            if (filled == fileLength)
            {
                error = "the file ends inside the envelope";
                return null;
            }

            if (filled == buffer.Length)
            {
                // Header records are bounded, so the envelope part is too: TryParseHeader gives Invalid
                // long before this grows past MaxHeaderLength plus one record.
                Array.Resize(ref buffer, (int)Math.Min(fileLength, (long)buffer.Length * 2));
            }

            int read = RandomAccess.Read(handle, buffer.AsSpan(filled), filled);
            if (read == 0)
            {
                error = "the file ends inside the envelope";
                return null;
            }

            filled += read;
        }

        if (fileLength - contentOffset < QueueFileFormat.TrailerLength)
        {
            error = "no end record (torn)";
            return null;
        }

        Span<byte> trailer = stackalloc byte[QueueFileFormat.TrailerLength];
        if (RandomAccess.Read(handle, trailer, fileLength - QueueFileFormat.TrailerLength) != trailer.Length
            || !QueueFileFormat.TryParseTrailer(trailer, out long contentLength, out uint crc))
        {
            error = "no end record (torn)";
            return null;
        }

        if (contentOffset + contentLength + QueueFileFormat.TrailerLength != fileLength)
        {
            error = $"the end record gives {contentLength} content octets, the file holds {fileLength - contentOffset - QueueFileFormat.TrailerLength}";
            return null;
        }

        error = null;
        return new QueueFileLayout(envelope!, contentOffset, contentLength, crc);
    }

    /// <summary>Reads the content region in blocks and compares its CRC-32 with the trailer's.</summary>
    public static bool VerifyContent(SafeFileHandle handle, QueueFileLayout layout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var crc = new Crc32();
        byte[] block = new byte[(int)Math.Min(BlockSize, Math.Max(1, layout.ContentLength))];
        long offset = layout.ContentOffset;
        long end = layout.ContentOffset + layout.ContentLength;
        while (offset < end)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int read = RandomAccess.Read(handle, block.AsSpan(0, (int)Math.Min(block.Length, end - offset)), offset);
            if (read == 0)
            {
                return false;
            }

            crc.Append(block.AsSpan(0, read));
            offset += read;
        }

        return crc.GetCurrentHashAsUInt32() == layout.ContentCrc;
    }
}
